//===- GradCheck.h - Compiled gradients against finite differences -*- C++ -*-===//
#ifndef LATHE_RUNTIME_GRADCHECK_H
#define LATHE_RUNTIME_GRADCHECK_H

#include "runtime/Session.h"

namespace lathe::rt {

/// Compares the compiled `grad` entry point with central differences of the
/// compiled loss on one random batch whose last row is padding (mask 0):
/// `coords` random coordinates of every parameter, plus one random
/// direction through all parameters. Prints a table; returns the number of
/// coordinates outside the tolerance.
int checkGradients(const ModelInfo &info, EntryPoints entry, uint64_t seed,
                   int coords);

} // namespace lathe::rt

#endif
