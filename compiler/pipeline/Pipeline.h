//===- Pipeline.h - From Lathe IR to native code ----------------*- C++ -*-===//
#ifndef LATHE_PIPELINE_PIPELINE_H
#define LATHE_PIPELINE_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
class raw_pwrite_stream;
} // namespace llvm

namespace lathe {

/// Runs autodiff: adds train_step, grad, eval_step and predict functions.
mlir::LogicalResult buildTrainingFunctions(mlir::ModuleOp module);

/// The runtime's description of the (single) supervised recipe in `module`,
/// read after autodiff. Fails with a located error for a gan.
mlir::FailureOr<std::string> describeModel(mlir::ModuleOp module);

/// Runs a textual pipeline of module-level passes on `module`.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, llvm::StringRef pipeline);

/// The NVPTX target: bufferizes in managed memory, maps the loops to GPU
/// blocks and threads, outlines them into one GPU module of kernels and
/// compiles it to PTX for `chip` (sm_80, sm_90, ...): a gpu.binary, whose
/// launches the host code (lowered to the LLVM dialect) calls through the
/// runtime's mgpu* functions.
mlir::LogicalResult lowerToNVPTX(mlir::ModuleOp module, const std::string &chip,
                                 int64_t registerTile = 1);

/// The PTX of the kernels lowerToNVPTX compiled.
mlir::FailureOr<std::string> kernelsPTX(mlir::ModuleOp module);

/// Strips everything but the entry points and lowers Lathe ops to linalg.
mlir::LogicalResult lowerToLinalg(mlir::ModuleOp module);

/// Bufferizes and lowers linalg to the LLVM dialect (bare-pointer calls).
/// With `debugIR`, first writes the IR to that file and gives every op its
/// line there, and emits line tables, so profilers attribute machine code
/// to the linalg op it came from.
/// With `stepParts` > 1, the training steps are first cut into that many
/// per-thread parts (lathe-partition) and run as one parallel region
/// (lathe-schedule-threads).
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const std::string &debugIR = "",
                                       unsigned stepParts = 1);

/// The host CPU's target machine, or one for `cpu`/`features` when given.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const std::string &cpu, const std::string &features,
                    std::string &error);

/// Translates to LLVM IR, adds a packed `_mlir_<name>(void **)` wrapper for
/// each entry point, and optimizes for `tm` unless told not to.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &ctx,
                                                llvm::TargetMachine &tm,
                                                bool optimize = true);

/// LLVM's -O2 pipeline for `tm` (measured as fast as -O3 on the seed models'
/// code, in about two thirds of the time).
bool optimizeModule(llvm::Module &module, llvm::TargetMachine &tm);

/// Writes an object or assembly file for `module` with `tm`.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                     llvm::raw_pwrite_stream &os, bool object);

/// Optimizes `module` (not yet optimized) and compiles it to object code in
/// `parts` pieces on as many threads: the module is split by functions, and
/// each piece is optimized and compiled in its own LLVM context. Returns the
/// objects, to be linked together, or an empty list with `error` set.
/// Splits `module` into up to `parts` linkable pieces of about equal
/// instruction counts (functions largest first, each to the lightest
/// piece; aliases with what they name; local constants copied into every
/// piece, other locals made hidden globals). Modifies `module`.
std::vector<std::unique_ptr<llvm::Module>> splitBalanced(llvm::Module &module,
                                                         unsigned parts);

std::vector<std::string> compileObjects(std::unique_ptr<llvm::Module> module,
                                        const std::string &cpu,
                                        const std::string &features,
                                        unsigned parts, std::string &error);

} // namespace lathe

#endif
