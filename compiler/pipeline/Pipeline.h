//===- Pipeline.h - From Lathe IR to native code ----------------*- C++ -*-===//
#ifndef LATHE_PIPELINE_PIPELINE_H
#define LATHE_PIPELINE_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
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
/// runtime's mgpu* functions. `sharedTiles`: matmuls become kernels of
/// shared-memory tiles (lathe-gpu-matmul-tiles).
mlir::LogicalResult lowerToNVPTX(mlir::ModuleOp module, const std::string &chip,
                                 int64_t registerTile = 1,
                                 bool sharedTiles = true);

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
/// (lathe-schedule-threads). `conv` is lathe-direct-conv's mode: auto,
/// direct or im2col. With a `workspace`, each entry point's buffers are
/// views of one block reserved for the program's life (lathe-workspace)
/// rather than allocated at each call: defined in the code, or declared
/// for the JIT to map (`lathe run`). Without one (gradcheck and trace,
/// whose JIT fills every allocation with NaNs), they stay allocations.
enum class Workspace { None, Defined, Declared };
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const std::string &debugIR = "",
                                       unsigned stepParts = 1,
                                       const std::string &conv = "auto",
                                       Workspace workspace = Workspace::Defined);

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

/// Registers the translations to LLVM IR of the dialects the CPU code uses
/// (builtin, LLVM, OpenMP). Changes the context: not while another thread
/// uses it.
void registerLLVMTranslations(mlir::MLIRContext &ctx);

/// translateToLLVMIR without registering anything or optimizing: several
/// threads may translate different modules of one context at once.
std::unique_ptr<llvm::Module> translateRegistered(mlir::ModuleOp module,
                                                  llvm::LLVMContext &ctx,
                                                  llvm::TargetMachine &tm);

/// LLVM's -O2 pipeline for `tm` (measured as fast as -O3 on the seed models'
/// code, in about two thirds of the time).
bool optimizeModule(llvm::Module &module, llvm::TargetMachine &tm);

/// Writes an object or assembly file for `module` with `tm`.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                     llvm::raw_pwrite_stream &os, bool object);

/// Splits an LLVM-dialect module into up to `parts` linkable modules of
/// about equal operation counts: functions largest first, each to the
/// lightest piece, declared in the others; constants copied into every
/// piece; local functions and mutable globals made hidden external symbols
/// (mutable globals and anything else in the first piece). Moves every
/// operation out of `module`.
llvm::SmallVector<mlir::OwningOpRef<mlir::ModuleOp>>
splitModule(mlir::ModuleOp module, unsigned parts);

/// Translates an LLVM-dialect module to LLVM IR, optimizes it and compiles
/// it to object code on `parts` threads, in pieces (splitModule; one piece
/// for one thread), each in its own LLVM context; `finish`, when given,
/// adds to each piece after translation. Returns the objects, to be linked
/// together, or an empty list with `error` set. Empties `module`.
std::vector<std::string>
compileObjects(mlir::ModuleOp module, const std::string &cpu,
               const std::string &features, unsigned parts, std::string &error,
               const std::function<void(llvm::Module &)> &finish = {});

} // namespace lathe

#endif
