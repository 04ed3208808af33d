//===- Summary.h - A model's layers, parameters and arithmetic --*- C++ -*-===//
#ifndef LATHE_FRONTEND_SUMMARY_H
#define LATHE_FRONTEND_SUMMARY_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <string>

namespace lathe {

/// A table per model (per network of a gan), as Keras's `model.summary()`
/// prints one: each layer's kind, output shape, parameter count and
/// forward MFLOP per sample (LayerParams.h says what counts); then the
/// parameters' and the optimizer state's memory and, for a model, the
/// arithmetic of one training step of `batch` samples (0: the file's).
std::string summarize(const Program &program, const std::string &fileName,
                      int64_t batch = 0);

} // namespace lathe

#endif
