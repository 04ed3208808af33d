//===- MLIRGen.h - Checked AST to the Lathe dialect -------------*- C++ -*-===//
#ifndef LATHE_CODEGEN_MLIRGEN_H
#define LATHE_CODEGEN_MLIRGEN_H

#include "compiler/frontend/AST.h"

#include <map>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace lathe {

/// Command-line settings that take precedence over the model file.
struct GenOptions {
  std::string dataKind; ///< replaces the file's `data` binding when set
  std::string dataPath; ///< its `path` (or `dir` for image sets)
  int64_t batch = 0;    ///< replaces `train batch=` when positive
  int64_t epochs = 0;   ///< replaces `train epochs=` when positive
};

/// Builds a module from a program Sema accepted. For a model `m`:
///   func @m.net(input batch, params...) -> output batch   (the network)
///   func @m.loss(input, target, params...) -> tensor<f32>  (its mean loss)
///   lathe.supervised @m {...}                              (the recipe)
/// For a gan `g`: @g.generator, @g.discriminator, @g.d_loss, @g.g_loss and
/// `lathe.gan @g`. Parameters are function arguments carrying
/// `lathe.param` (name) and `lathe.init` (initializer) attributes.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &ctx,
                                          const Program &program,
                                          const std::string &fileName,
                                          const GenOptions &options = {});

} // namespace lathe

#endif
