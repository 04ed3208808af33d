//===- ExecutableMain.cpp - main() of a model built by `lathe build` ------===//
//
// The object `lathe build` emits defines these symbols; this file turns them
// into a program with `train`, `info` and `--help`.
//
//===----------------------------------------------------------------------===//
#include "runtime/Train.h"

extern "C" {
extern const char lathe_model_description[];
void lathe_train_step(void **args);
void lathe_grad(void **args);
void lathe_eval_step(void **args);
void lathe_predict(void **args);
}

int main(int argc, char **argv) {
  lathe::rt::EntryPoints entry;
  entry.trainStep = lathe_train_step;
  entry.grad = lathe_grad;
  entry.evalStep = lathe_eval_step;
  entry.predict = lathe_predict;
  return lathe::rt::runExecutable(lathe_model_description, entry, argc, argv);
}
