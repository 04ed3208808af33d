//===- Inspect.h - What a checkpoint holds ------------------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_INSPECT_H
#define LATHE_RUNTIME_INSPECT_H

#include "runtime/ModelInfo.h"

#include <string>

namespace lathe::rt {

/// Prints a checkpoint's metadata (model, epoch, step, optimizer) and, for
/// each tensor, its shape and the mean, standard deviation, minimum,
/// maximum and share of zeros of its values, against what `info`'s model
/// needs. Returns 0 when every tensor the model needs is there with its
/// shape and every value is finite; otherwise says what is wrong and
/// returns 1.
int inspectCheckpoint(const ModelInfo &info, const std::string &path);

} // namespace lathe::rt

#endif
