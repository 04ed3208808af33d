//===- ExecutableMain.cpp - main() of a model built by `lathe build` ------===//
//
// The object `lathe build` emits defines these symbols; this file turns them
// into a program with `train`, `info` and `--help`.
//
//===----------------------------------------------------------------------===//
#include "runtime/Train.h"

// A supervised model defines the first four entry points, a gan the last
// three; the others stay null.
#define WEAK __attribute__((weak))
extern "C" {
extern const char lathe_model_description[];
WEAK void lathe_train_step(void **args);
WEAK void lathe_grad(void **args);
WEAK void lathe_eval_step(void **args);
WEAK void lathe_predict(void **args);
WEAK void lathe_d_step(void **args);
WEAK void lathe_g_step(void **args);
WEAK void lathe_generate(void **args);
}

int main(int argc, char **argv) {
  lathe::rt::EntryPoints entry;
  entry.trainStep = lathe_train_step;
  entry.grad = lathe_grad;
  entry.evalStep = lathe_eval_step;
  entry.predict = lathe_predict;
  entry.dStep = lathe_d_step;
  entry.gStep = lathe_g_step;
  entry.generate = lathe_generate;
  return lathe::rt::runExecutable(lathe_model_description, entry, argc, argv);
}
