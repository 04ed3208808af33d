//===- Sema.h - Names, shapes and settings of a model file ------*- C++ -*-===//
#ifndef LATHE_FRONTEND_SEMA_H
#define LATHE_FRONTEND_SEMA_H

#include "compiler/frontend/AST.h"

#include <map>

namespace lathe {

/// Resolves layer arguments, infers every tensor shape through the layers,
/// fills in defaults and checks the training settings. Reports every error it
/// finds; returns true when the program is valid.
bool checkProgram(Program &program, DiagnosticEngine &diags);

/// Lexes, parses and checks `file`. Returns true when it is a valid program.
bool parseAndCheck(const SourceFile &file, DiagnosticEngine &diags,
                   Program &program);

/// The hyper-parameters an optimizer takes and their defaults; empty for an
/// unknown name.
std::map<std::string, double> optimizerDefaults(const std::string &name);

/// Replaces the optimizer of every model and gan in `program` with
/// `spec`, as `--optimizer` gives it: NAME[:key=value,...] (`schedule=`
/// names a learning-rate schedule). Values are checked as in a model file.
/// False with `error` on an unknown name, key or bad value.
bool overrideOptimizer(Program &program, const std::string &spec,
                       std::string &error);

/// Reports each batch normalization that would see one value per feature
/// in a training batch (batches of `batch` samples, or the file's batch
/// when 0, and nothing else to average over): it would normalize every
/// value to 0. Returns true when there is none.
bool checkBatchStatistics(const Program &program, int64_t batch,
                          DiagnosticEngine &diags);

/// Values an element count may reach in one tensor.
constexpr int64_t kMaxElements = (int64_t(1) << 31) - 1;

} // namespace lathe

#endif
