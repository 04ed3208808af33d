//===- lathe.cpp - The Lathe compiler driver ------------------------------===//
//
//   lathe [--emit=STAGE] [-o FILE] model.lathe   print or write one stage
//   lathe run model.lathe [--data ...] [--epochs N] ...   compile in memory, train
//   lathe build model.lathe -o model              a standalone executable
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/codegen/MLIRGen.h"
#include "compiler/frontend/Sema.h"
#include "compiler/frontend/Summary.h"
#include "compiler/pipeline/Jit.h"
#include "compiler/pipeline/ObjectCache.h"
#include "compiler/pipeline/Pipeline.h"
#include "dialect/LatheDialect.h"
#include "dialect/LatheOps.h"
#include "runtime/Checkpoint.h"
#include "runtime/CudaDriver.h"
#include "runtime/Gan.h"
#include "runtime/GradCheck.h"
#include "runtime/Schedules.h"
#include "runtime/Train.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Support/Timing.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cl = llvm::cl;
using namespace lathe;

namespace {
enum class Emit { AST, Summary, Lathe, Train, Linalg, LLVM, Asm, Obj, Header, PTX };
enum class Target { CPU, NVPTX };

cl::OptionCategory latheCat("Lathe options");
cl::SubCommand runCmd("run", "Compile a model in memory, train and test it");
cl::SubCommand buildCmd("build", "Compile a model into a standalone executable");
cl::SubCommand gradCmd("gradcheck",
                       "Check compiled gradients against finite differences");
cl::SubCommand traceCmd("trace", "Write weights, a batch, gradients and a "
                                 "few optimizer steps for a peer to replay");
cl::opt<int> stepsOpt("steps", cl::desc("Optimizer steps to record"),
                      cl::init(3), cl::cat(latheCat), cl::sub(traceCmd));
cl::opt<int> coordsOpt("coords",
                       cl::desc("Coordinates checked per parameter"),
                       cl::init(24), cl::cat(latheCat), cl::sub(gradCmd));

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.lathe>"),
                               cl::Required, cl::cat(latheCat),
                               cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(latheCat),
                                cl::sub(cl::SubCommand::getTopLevel()),
                                cl::sub(buildCmd), cl::sub(traceCmd));
cl::opt<Emit> emit(
    "emit", cl::desc("The stage to print"), cl::init(Emit::Lathe),
    cl::values(
        clEnumValN(Emit::AST, "ast", "checked syntax tree with shapes"),
        clEnumValN(Emit::Summary, "summary",
                   "each layer's output shape, parameters and MFLOP per "
                   "sample; memory and arithmetic of a training step"),
        clEnumValN(Emit::Lathe, "lathe", "Lathe dialect IR"),
        clEnumValN(Emit::Train, "train",
                   "after autodiff: train_step, grad, eval_step, predict"),
        clEnumValN(Emit::Linalg, "linalg", "entry points in linalg on tensors"),
        clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR"),
        clEnumValN(Emit::Asm, "asm", "assembly for the target CPU"),
        clEnumValN(Emit::Obj, "obj", "object file (needs -o)"),
        clEnumValN(Emit::Header, "header",
                   "C header for embedding the object"),
        clEnumValN(Emit::PTX, "ptx",
                   "PTX of the model's kernels (with --target=nvptx)")),
    cl::cat(latheCat));
cl::opt<Target> targetOpt(
    "target", cl::desc("What the model is compiled for"),
    cl::init(Target::CPU),
    cl::values(clEnumValN(Target::CPU, "cpu", "this machine's CPU (default)"),
               clEnumValN(Target::NVPTX, "nvptx",
                          "an NVIDIA GPU: PTX kernels and host code")),
    cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));
cl::opt<unsigned> gpuTileOpt(
    "gpu-tile",
    cl::desc("With --target=nvptx, each thread computes an N x N tile of a "
             "matmul's outputs (lathe-gpu-register-tiles; default 1: one "
             "output per thread)"),
    cl::init(1), cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));
cl::opt<bool> gpuSharedTilesOpt(
    "gpu-shared-tiles",
    cl::desc("With --target=nvptx, matmuls become kernels of shared-memory "
             "tiles (lathe-gpu-matmul-tiles; default true)"),
    cl::init(true), cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string> gpuArchOpt(
    "gpu-arch", cl::desc("GPU architecture of --target=nvptx (default sm_90)"),
    cl::value_desc("sm_NN"), cl::init("sm_90"), cl::cat(latheCat),
    cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string>
    dataOpt("data",
            cl::desc("Data binding that replaces the model file's `data`"),
            cl::value_desc("kind[:path]"), cl::cat(latheCat),
            cl::sub(cl::SubCommand::getAll()));
cl::opt<int64_t> batchOpt("batch", cl::desc("Batch size (overrides train)"),
                          cl::init(0), cl::cat(latheCat),
                          cl::sub(cl::SubCommand::getAll()));
cl::opt<int64_t> epochsOpt("epochs", cl::desc("Epochs (overrides train)"),
                           cl::init(0), cl::cat(latheCat),
                           cl::sub(cl::SubCommand::getAll()));
cl::opt<int64_t> seedOpt("seed", cl::desc("Random seed (overrides train)"),
                         cl::init(-1), cl::cat(latheCat), cl::sub(runCmd),
                         cl::sub(gradCmd), cl::sub(traceCmd));
cl::opt<int64_t> threadsOpt("threads",
                            cl::desc("Threads of the compiled code's parallel "
                                     "loops (default: all cores)"),
                            cl::init(0), cl::cat(latheCat), cl::sub(runCmd));
cl::opt<unsigned> compileThreadsOpt(
    "compile-threads",
    cl::desc("Threads translating, optimizing and compiling the model's "
             "code, in pieces of it (default: all cores, at most 4)"),
    cl::init(0), cl::cat(latheCat), cl::sub(buildCmd), cl::sub(runCmd),
    cl::sub(gradCmd), cl::sub(traceCmd));

cl::opt<unsigned> stepPartsOpt(
    "step-parts",
    cl::desc("Cut each step (training, evaluation, prediction) into this many "
             "per-thread parts run in one parallel region (lathe-partition, lathe-schedule-threads; "
             "default: this machine's cores, at most 8; 1: not cut)"),
    cl::init(0), cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));

cl::opt<std::string> convOpt(
    "conv",
    cl::desc("How the CPU code computes a convolution and its gradients: "
             "auto (per shape, whichever measured faster), direct (read "
             "through the windows; input gradients per stride phase) or "
             "im2col (a matmul over window rows; col2im)"),
    cl::init("auto"), cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));

/// This machine's cores, at most `cap`.
unsigned cores(unsigned cap) {
  return std::min(std::max(1u, std::thread::hardware_concurrency()), cap);
}

/// A step cut into as many parts as the machine has cores runs each part on
/// a core of its own (`--threads` at most the parts; fewer threads run
/// several parts each, in the same order, so the results do not change).
unsigned stepParts() { return stepPartsOpt > 0 ? stepPartsOpt : cores(8); }

unsigned compileThreads() {
  return compileThreadsOpt > 0 ? compileThreadsOpt : cores(4);
}
cl::opt<std::string> optimizerOpt(
    "optimizer",
    cl::desc("Optimizer replacing the model file's, e.g. "
             "adam:lr=0.01,schedule=cosine"),
    cl::value_desc("name[:key=value,...]"), cl::cat(latheCat),
    cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string> saveOpt("save",
                             cl::desc("Write a checkpoint after each epoch"),
                             cl::value_desc("file.safetensors"),
                             cl::cat(latheCat), cl::sub(runCmd));
cl::opt<std::string> plotOpt("plot", cl::desc("Draw the loss curve as a PNG"),
                             cl::value_desc("loss.png"), cl::cat(latheCat),
                             cl::sub(runCmd));
cl::opt<std::string> samplesOpt(
    "samples", cl::desc("A gan's sample grid after every epoch goes here"),
    cl::value_desc("directory"), cl::cat(latheCat), cl::sub(runCmd));
cl::opt<std::string> resumeOpt("resume",
                               cl::desc("Start from a checkpoint"),
                               cl::value_desc("file.safetensors"),
                               cl::cat(latheCat), cl::sub(runCmd));
cl::opt<int64_t> limitOpt("limit",
                          cl::desc("Train on at most this many samples"),
                          cl::init(0), cl::cat(latheCat), cl::sub(runCmd));
cl::opt<double> valSplitOpt("validation-split",
                            cl::desc("Fraction held out for validation "
                                     "(overrides train)"),
                            cl::init(-1), cl::cat(latheCat), cl::sub(runCmd));
cl::opt<int64_t> earlyStoppingOpt(
    "early-stopping",
    cl::desc("Stop after this many epochs without a lower validation loss "
             "and keep the best epoch's weights (0: off; overrides train)"),
    cl::value_desc("epochs"), cl::init(-1), cl::cat(latheCat),
    cl::sub(runCmd));
cl::opt<std::string> scheduleOpt(
    "lr-schedule",
    cl::desc("Learning rate over the run: constant, cosine or linear "
             "(overrides the optimizer's schedule)"),
    cl::value_desc("constant|cosine|linear"), cl::cat(latheCat), cl::sub(runCmd));
cl::opt<bool> noCacheOpt(
    "no-cache",
    cl::desc("Compile anew: neither load nor keep object code in the cache "
             "($LATHE_CACHE_DIR, else ~/.cache/lathe)"),
    cl::cat(latheCat), cl::sub(runCmd));
cl::opt<std::string> reportOpt("report",
                               cl::desc("Write final figures as JSON"),
                               cl::value_desc("file.json"), cl::cat(latheCat),
                               cl::sub(runCmd));
cl::opt<std::string> debugIROpt(
    "debug-ir",
    cl::desc("Write the linalg IR to this file and map the machine code to "
             "its lines (line tables for profilers)"),
    cl::value_desc("file.mlir"), cl::cat(latheCat),
    cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string> cpuOpt("cpu", cl::desc("Target CPU (default: this one)"),
                            cl::cat(latheCat),
                            cl::sub(cl::SubCommand::getAll()));
cl::opt<std::string> mattrOpt("mattr",
                              cl::desc("Target features, e.g. +avx2,-avx512f"),
                              cl::cat(latheCat),
                              cl::sub(cl::SubCommand::getAll()));

int fail(const std::string &message) {
  fmt::print(stderr, "lathe: error: {}\n", message);
  return 1;
}

using Clock = std::chrono::steady_clock;

cl::opt<bool> timePhasesOpt(
    "time-phases",
    cl::desc("Print how long each compilation phase took (to stderr)"),
    cl::cat(latheCat), cl::sub(cl::SubCommand::getAll()));

/// Wall time of the compilation's phases, printed with --time-phases.
class PhaseTimes {
public:
  /// The phase that ended now.
  void done(const char *name) {
    auto now = Clock::now();
    phases.emplace_back(name, std::chrono::duration<double>(now - last).count());
    last = now;
  }
  void print() const {
    if (!timePhasesOpt)
      return;
    double total = 0;
    for (const auto &[name, seconds] : phases)
      total += seconds;
    for (const auto &[name, seconds] : phases)
      fmt::print(stderr, "  {:<28} {:7.3f}s {:5.1f}%\n", name, seconds,
                 total > 0 ? 100 * seconds / total : 0.0);
    fmt::print(stderr, "  {:<28} {:7.3f}s\n", "total", total);
  }

private:
  Clock::time_point last = Clock::now();
  std::vector<std::pair<const char *, double>> phases;
};

/// sm_NN (or sm_NNa) with NN >= 50: an architecture LLVM's NVPTX back end
/// knows.
bool validGpuArch(const std::string &arch) {
  if (arch.size() < 5 || arch.compare(0, 3, "sm_") != 0)
    return false;
  size_t end = arch.back() == 'a' ? arch.size() - 1 : arch.size();
  for (size_t i = 3; i < end; ++i)
    if (!std::isdigit(static_cast<unsigned char>(arch[i])))
      return false;
  return end > 3 && std::atoi(arch.c_str() + 3) >= 50;
}

/// Everything from the model file to LLVM IR, stopping where asked.
class Compilation {
public:
  Compilation() : ctx(makeRegistry()) {
    // The dialects the front end and autodiff build; the passes load the
    // rest they make (their dependent dialects). Loading all 49 registered
    // ones took 0.02 s of every compilation.
    ctx.loadDialect<LatheDialect, mlir::func::FuncDialect,
                    mlir::arith::ArithDialect, mlir::math::MathDialect,
                    mlir::tensor::TensorDialect, mlir::linalg::LinalgDialect>();
    ctx.printOpOnDiagnostic(false);
  }

  /// Parses and checks the file; prints diagnostics. False on errors.
  bool front(Program &program) {
    auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile, true);
    if (!buffer) {
      fail(fmt::format("cannot read '{}': {}", inputFile.getValue(),
                       buffer.getError().message()));
      return false;
    }
    source = std::make_unique<SourceFile>(inputFile,
                                          (*buffer)->getBuffer().str());
    DiagnosticEngine diags(*source);
    bool ok = parseAndCheck(*source, diags, program);
    if (ok && batchOpt > 0)
      ok = checkBatchStatistics(program, batchOpt, diags);
    diags.print(stderr);
    std::string error;
    if (ok && !optimizerOpt.empty() &&
        !overrideOptimizer(program, optimizerOpt, error)) {
      fail("--optimizer: " + error);
      return false;
    }
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    handler = std::make_unique<mlir::SourceMgrDiagnosticHandler>(sourceMgr,
                                                                  &ctx);
    return ok;
  }

  mlir::OwningOpRef<mlir::ModuleOp> gen(const Program &program) {
    GenOptions opts;
    if (!dataOpt.empty()) {
      llvm::StringRef kind, path;
      std::tie(kind, path) = llvm::StringRef(dataOpt).split(':');
      opts.dataKind = kind.str();
      opts.dataPath = path.str();
    }
    opts.batch = batchOpt;
    opts.epochs = epochsOpt;
    auto module = mlirGen(ctx, program, inputFile, opts);
    if (!module || mlir::failed(mlir::verify(*module))) {
      fail("internal error: the generated IR does not verify");
      return nullptr;
    }
    return module;
  }

  mlir::MLIRContext ctx;

private:
  static mlir::DialectRegistry makeRegistry() {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    return registry;
  }
  std::unique_ptr<SourceFile> source;
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> handler;
};

/// Adds what a standalone executable's main() links against to the piece
/// of object code that defines it: the model description (with train_step
/// or d_step) and fixed names for the packed entry points.
void addExecutableSymbols(llvm::Module &m, const std::string &model,
                          const std::string &description) {
  auto defined = [&](const char *entry) {
    llvm::Function *f = m.getFunction("_mlir_" + model + "." + entry);
    return f && !f->isDeclaration() ? f : nullptr;
  };
  if (defined("train_step") || defined("d_step")) {
    llvm::LLVMContext &ctx = m.getContext();
    auto *init = llvm::ConstantDataArray::getString(ctx, description, true);
    new llvm::GlobalVariable(m, init->getType(), true,
                             llvm::GlobalValue::ExternalLinkage, init,
                             "lathe_model_description");
  }
  for (const char *entry : {"train_step", "grad", "eval_step", "predict",
                            "d_step", "g_step", "generate"})
    if (llvm::Function *f = defined(entry))
      llvm::GlobalAlias::create(std::string("lathe_") + entry, f);
}

std::string header(const rt::ModelInfo &info) {
  std::string h = fmt::format(
      "/* Generated by lathe for model '{0}'. Each entry point takes an array\n"
      "   of pointers, args[i] pointing at the i-th buffer pointer: inputs\n"
      "   first, then outputs, row-major f32 (labels and token ids\n   i32), batch {1}. "
      "The entry points share one preallocated block for\n   their intermediate "
      "buffers: call them from one thread at a time. */\n"
      "#ifndef LATHE_MODEL_{0}_H\n#define LATHE_MODEL_{0}_H\n"
      "#ifdef __cplusplus\nextern \"C\" {{\n#endif\n"
      "extern const char lathe_model_description[];\n",
      info.name, info.batch);
  auto list = [](const char *kind, const std::vector<rt::TensorSpec> &ts) {
    std::string out;
    for (const rt::TensorSpec &t : ts)
      out += fmt::format("   {:<6} {} [{}]\n", kind, t.name,
                         fmt::join(t.shape, ", "));
    return out;
  };
  if (info.gan) {
    h += fmt::format("/* Generator and discriminator parameters, in order:\n{}{}"
                     "   Optimizer state:\n{}{}*/\n",
                     list("gparam", info.gparams), list("dparam", info.dparams),
                     list("gstate", info.gstate), list("dstate", info.dstate));
    h += "/* d_step: gparams, dparams, dstate, hyper[4], real, mask, z -> "
         "d_loss, D(real), D(G(z)).\n   It writes the new dparams and "
         "dstate over the old, in their buffers. */\n"
         "void lathe_d_step(void **args);\n"
         "/* g_step: gparams, gstate, dparams, hyper[4], z -> g_loss.\n   It "
         "writes the new gparams and gstate over the old, in their buffers. "
         "*/\n"
         "void lathe_g_step(void **args);\n"
         "/* generate: gparams, z -> images */\n"
         "void lathe_generate(void **args);\n";
  } else {
    h += fmt::format("/* Parameters, in order:\n{}*/\n",
                     list("param", info.params));
    // A model with dropout takes an int32 seed of its masks when training.
    const char *seed = info.dropout ? "seed (int32), " : "";
    h += fmt::format("/* train_step: params, state, hyper[4], {}x, y, mask -> "
                     "loss, predictions.\n   It writes the new params and state "
                     "over the old, in their buffers. State:\n{}*/\n"
                     "void lathe_train_step(void **args);\n",
                     seed, list("state", info.state));
    h += fmt::format("/* grad: params, {}x, y, mask -> loss, gradients */\n",
                     seed) +
         "void lathe_grad(void **args);\n"
         "/* eval_step: params, x, y, mask -> loss, predictions */\n"
         "void lathe_eval_step(void **args);\n"
         "/* predict: params, x -> predictions */\n"
         "void lathe_predict(void **args);\n";
  }
  h += "#ifdef __cplusplus\n}\n#endif\n#endif\n";
  return h;
}

int linkExecutable(const std::vector<std::string> &objects,
                   const std::string &out) {
  std::string cxx = "clang++-22";
  auto found = llvm::sys::findProgramByName(cxx);
  if (!found) {
    found = llvm::sys::findProgramByName("c++");
    if (!found)
      return fail("no C++ linker found (install clang-22)");
  }
  std::vector<std::string> args = {*found, "-o", out};
  args.insert(args.end(), objects.begin(), objects.end());
  args.insert(args.end(), {LATHE_RUNTIME_MAIN_LIB, LATHE_RUNTIME_LIB,
                                   "-lfmt", "-lz", "-lm",
                                   // OpenMP for the threaded matmuls
                                   "-L/usr/lib/llvm-22/lib", "-lomp",
                                   "-Wl,-rpath,/usr/lib/llvm-22/lib"});
  if (llvm::sys::findProgramByName("ld.lld-22") ||
      llvm::sys::fs::exists("/usr/lib/llvm-22/bin/ld.lld"))
    args.insert(args.begin() + 1, {"-fuse-ld=lld", "-B/usr/lib/llvm-22/bin"});
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(*found, refs, std::nullopt, {}, 0, 0,
                                     &err);
  if (rc != 0)
    return fail(fmt::format("linking {} failed{}", out,
                            err.empty() ? "" : ": " + err));
  return 0;
}
/// --target=nvptx, --emit=ptx: lowers the linalg module to kernels and
/// writes their PTX.
int compileForGPU(mlir::ModuleOp module, PhaseTimes &times) {
  if (mlir::failed(lowerToNVPTX(module, gpuArchOpt, gpuTileOpt, gpuSharedTilesOpt)))
    return 1;
  mlir::FailureOr<std::string> ptx = kernelsPTX(module);
  if (mlir::failed(ptx))
    return 1;
  times.done("GPU kernels to PTX");
  times.print();
  std::string error;
  auto out = mlir::openOutputFile(outputFile, &error);
  if (!out)
    return fail(error);
  out->os() << *ptx;
  out->keep();
  return 0;
}

/// The model's IR as far as it decides the compiled code, for the object
/// cache's key: without the settings only the runtime reads (epochs, seed,
/// data, metrics, validation split) and the source file's name. (Generic
/// form: the model op's own printer expects those settings.)
std::string codeIdentity(mlir::ModuleOp module) {
  mlir::OwningOpRef<mlir::ModuleOp> copy = module.clone();
  (*copy)->removeAttr("lathe.source");
  for (mlir::Operation &op : copy->getBody()->getOperations())
    if (llvm::isa<lathe::SupervisedOp, lathe::GanOp>(op))
      for (llvm::StringRef name :
           {"epochs", "seed", "data", "metrics", "validation_split"})
        op.removeAttr(name);
  std::string ir;
  llvm::raw_string_ostream os(ir);
  copy->print(os, mlir::OpPrintingFlags().printGenericOpForm().assumeVerified());
  return ir;
}

/// Whether one of MLIR's printing or timing flags (--mlir-...) was given.
bool mlirFlagGiven(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef a(argv[i]);
    if (a.starts_with("--mlir-") || a.starts_with("-mlir-"))
      return true;
  }
  return false;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << fmt::format("lathe {} (LLVM/MLIR {})\n", LATHE_VERSION,
                      LLVM_VERSION_STRING);
  });
  // MLIR's own flags (--mlir-print-debuginfo, ...) keep working, unlisted.
  for (cl::SubCommand *sub : {&cl::SubCommand::getTopLevel(), &runCmd,
                              &buildCmd, &gradCmd, &traceCmd})
    cl::HideUnrelatedOptions({&latheCat}, *sub);
  cl::ParseCommandLineOptions(argc, argv, "Lathe model compiler\n");

  if (batchOpt < 0 || batchOpt > (1 << 20))
    return fail(fmt::format("--batch must be in [1, {}]", 1 << 20));
  if (compileThreadsOpt > 64)
    return fail("--compile-threads must be in [1, 64]");
  if (stepPartsOpt > 64)
    return fail("--step-parts must be in [1, 64]");
  if (convOpt != "auto" && convOpt != "direct" && convOpt != "im2col")
    return fail(fmt::format("--conv is auto, direct or im2col, not '{}'", convOpt.getValue()));
  // Options of other subcommands than the one given: LLVM's parser lets a
  // subcommand take the top level's options too, which would then be
  // ignored without a word.
  bool top = !runCmd && !buildCmd && !gradCmd && !traceCmd;
  const char *sub = runCmd     ? "run"
                    : buildCmd ? "build"
                    : gradCmd  ? "gradcheck"
                               : "trace";
  if (!top && emit.getNumOccurrences())
    return fail(fmt::format(
        "--emit is not an option of `lathe {}`: to print a stage, leave out "
        "the subcommand (`lathe --emit=linalg model.lathe`)",
        sub));
  if ((runCmd || gradCmd) && outputFile.getNumOccurrences())
    return fail(fmt::format(
        "-o is not an option of `lathe {}`{}", sub,
        runCmd ? ": --save writes a checkpoint, --report the figures, --plot "
                 "the loss curve"
               : ""));
  // Where the output goes, checked before compiling: a missing -o, a
  // missing folder or a folder given as the file fails now, not after it.
  if (buildCmd && outputFile == "-")
    return fail("`lathe build` needs -o EXECUTABLE");
  if (traceCmd && outputFile == "-")
    return fail("`lathe trace` needs -o DIRECTORY");
  if (outputFile != "-" && !runCmd && !gradCmd)
    if (std::string why = rt::unwritable(outputFile, /*folder=*/bool(traceCmd));
        !why.empty())
      return fail(fmt::format("-o {}: {}", outputFile.getValue(), why));
  // No subcommand: print the stage --emit names.
  if (emit == Emit::PTX && top && targetOpt != Target::NVPTX)
    return fail("--emit=ptx needs --target=nvptx");
  if (targetOpt == Target::NVPTX) {
    if (!validGpuArch(gpuArchOpt))
      return fail(fmt::format("--gpu-arch must be sm_NN with NN at least 50, "
                              "e.g. sm_80 or sm_90 (not '{}')",
                              gpuArchOpt.getValue()));
    // N x N copies of each matmul's body: beyond 8 the kernels only grow.
    if (gpuTileOpt < 1 || gpuTileOpt > 8)
      return fail(fmt::format("--gpu-tile must be 1 to 8 (outputs per thread: "
                              "N x N), not {}",
                              gpuTileOpt.getValue()));
    if (top && (emit == Emit::Asm || emit == Emit::Obj ||
                emit == Emit::Header))
      return fail("--emit=asm, obj and header are the CPU target's stages; "
                  "with --target=nvptx, --emit=ptx writes the kernels and "
                  "--emit=llvm the host code");
    if (gradCmd || traceCmd)
      return fail("gradcheck and trace run on the CPU target; use them "
                  "without --target=nvptx");
    std::string why;
    if (runCmd && !rt::cudaDeviceAvailable(why))
      return fail("--target=nvptx cannot run here: " + why);
  }
  if ((epochsOpt.getNumOccurrences() && epochsOpt < 1) || epochsOpt < 0 ||
      epochsOpt > (1 << 20))
    return fail(fmt::format("--epochs must be in [1, {}]", 1 << 20));

  auto start = Clock::now();
  PhaseTimes times;
  Compilation c;
  Program program;
  if (!c.front(program))
    return 1;
  times.done("parse and check");

  if (top && (emit == Emit::AST || emit == Emit::Summary)) {
    std::string error;
    auto out = mlir::openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    out->os() << (emit == Emit::AST ? dumpAST(program, inputFile)
                                    : summarize(program, inputFile, batchOpt));
    out->keep();
    return 0;
  }
  auto module = c.gen(program);
  if (!module)
    return 1;
  times.done("Lathe dialect");
  auto printModule = [&]() {
    std::string error;
    auto out = mlir::openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->keep();
    return 0;
  };
  if (top && emit == Emit::Lathe)
    return printModule();

  // On the CPU a step runs on stepParts() threads: the recurrences are cut
  // by the batch into as many parts (or fewer) as they are built.
  if (targetOpt == Target::CPU && stepParts() > 1)
    (*module)->setAttr("lathe.step_parts",
                       mlir::IntegerAttr::get(mlir::IntegerType::get(module->getContext(), 64),
                                              stepParts()));
  if (mlir::failed(buildTrainingFunctions(*module)))
    return 1;
  times.done("autodiff");
  if (top && emit == Emit::Train)
    return printModule();
  auto description = describeModel(*module);
  if (mlir::failed(description))
    return 1;
  if (targetOpt == Target::NVPTX)
    *description += "target nvptx\n";
  rt::ModelInfo info;
  std::string error;
  if (!rt::parseModelInfo(*description, info, error))
    return fail("internal error: " + error);
  if (top && emit == Emit::Header) {
    auto out = mlir::openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    out->os() << header(info);
    out->keep();
    return 0;
  }
  // Training through the JIT never calls `grad` (gradcheck and trace do)
  // or `predict` (the executables' predict command does), nor a gan's
  // `generate` unless it draws samples: not compiling them takes 40% off the
  // time to the first step (a gan's `generate`, 4%).
  if (runCmd) {
    std::vector<std::string> unused;
    if (!info.gan)
      unused = {".grad", ".predict"};
    else if (samplesOpt.empty())
      unused = {".generate"};
    for (const std::string &name : unused)
      if (mlir::Operation *f = module->lookupSymbol(info.name + name))
        f->erase();
  }
  auto tm = createTargetMachine(cpuOpt, mattrOpt, error);
  if (!tm)
    return fail(error);
  // `lathe run` on the CPU keeps its object code (ObjectCache.h): the same
  // model, batch and optimizer for this CPU load it instead of compiling.
  // (Not with line tables or MLIR's printing and timing flags, which ask
  // for the compilation itself.)
  std::string cacheDir, cacheKey;
  std::optional<std::vector<std::string>> cached;
  if (runCmd && targetOpt == Target::CPU && !noCacheOpt &&
      debugIROpt.empty() && !mlirFlagGiven(argc, argv) &&
      !(cacheDir = objectCacheDirectory()).empty()) {
    cacheKey = objectCacheKey({codeIdentity(*module), tm->getTargetCPU().str(),
                               tm->getTargetFeatureString().str(),
                               std::to_string(stepParts()), convOpt});
    cached = loadCachedObjects(cacheDir, cacheKey);
  }
  if (!cached) {
    if (mlir::failed(lowerToLinalg(*module)))
      return 1;
    times.done("linalg and fusion");
    if (top && emit == Emit::Linalg)
      return printModule();
    if (targetOpt == Target::NVPTX) {
      if (top && emit != Emit::LLVM)
        return compileForGPU(*module, times);
      if (mlir::failed(lowerToNVPTX(*module, gpuArchOpt, gpuTileOpt, gpuSharedTilesOpt)))
        return 1;
      times.done("GPU kernels to PTX, host code");
    } else {
      // `lathe run` maps its workspace at load (JitModel); gradcheck and
      // trace allocate every buffer, poisoned.
      Workspace workspace = runCmd ? Workspace::Declared
                            : gradCmd || traceCmd ? Workspace::None
                                                  : Workspace::Defined;
      if (mlir::failed(lowerToLLVMDialect(*module, debugIROpt, stepParts(),
                                          convOpt, workspace)))
        return 1;
      times.done("tiling to LLVM dialect");
    }
  }
  // `lathe build`, and `run`, `gradcheck` and `trace` on the CPU, get object
  // code from compileObjects: translated, optimized and compiled in pieces
  // on several threads. The NVPTX host code, which is small, is one piece
  // (its kernel launches name the binary that holds them). The NVPTX JIT
  // and --emit take the whole module as LLVM IR.
  bool nvptx = targetOpt == Target::NVPTX;
  bool jitCmd = runCmd || gradCmd || traceCmd;
  bool inPieces = buildCmd || (jitCmd && !nvptx);
  unsigned parts = nvptx ? 1 : compileThreads();
  std::unique_ptr<llvm::LLVMContext> llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule;
  if (!inPieces) {
    llvmCtx = std::make_unique<llvm::LLVMContext>();
    llvmModule = translateToLLVMIR(*module, *llvmCtx, *tm, /*optimize=*/!jitCmd);
    if (!llvmModule)
      return fail("internal error: cannot translate to LLVM IR");
    times.done("LLVM IR");
  }

  if (jitCmd) {
    std::unique_ptr<JitModel> jit;
    bool fromCache = false;
    if (nvptx) {
      // The host code loads its PTX in a global constructor, which the JIT
      // runs for IR modules only. Its buffers: managed memory.
      jit = JitModel::create(std::move(llvmModule), std::move(llvmCtx),
                             info.name, error, /*initialize=*/true);
      std::string why;
      if (jit && !rt::useCudaManagedBuffers(why))
        return fail("--target=nvptx cannot run here: " + why);
    } else {
      std::vector<std::string> objects;
      fromCache = cached.has_value();
      if (cached) {
        objects = std::move(*cached);
        times.done("object code from the cache");
      } else {
        objects = compileObjects(*module, cpuOpt, mattrOpt, parts, error);
        if (objects.empty())
          return fail("JIT compilation failed: " + error);
        times.done("LLVM IR to machine code");
        if (!cacheKey.empty())
          storeCachedObjects(cacheDir, cacheKey, objects); // (a miss: no harm)
      }
      // gradcheck and trace check the code: its allocations start as NaNs,
      // so that what it reads without writing shows.
      jit = JitModel::createFromObjects(objects, info.name, error,
                                        /*poison=*/gradCmd || traceCmd);
    }
    if (!jit)
      return fail("JIT compilation failed: " + error);
    times.done("JIT load");
    times.print();
    double compileSeconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (info.gan && gradCmd)
      return fail("gradcheck takes supervised models; a gan's layers are "
                  "checked through models of them, its steps by `lathe trace`");
    if (info.gan && traceCmd) {
      if (outputFile == "-")
        return fail("`lathe trace` needs -o DIRECTORY");
      return rt::writeGanTrace(info, jit->entryPoints(), outputFile,
                               uint64_t(seedOpt < 0 ? 1 : seedOpt));
    }
    if (traceCmd) {
      if (outputFile == "-")
        return fail("`lathe trace` needs -o DIRECTORY");
      return rt::writeTrace(info, jit->entryPoints(), outputFile, stepsOpt,
                            uint64_t(seedOpt < 0 ? 1 : seedOpt));
    }
    if (gradCmd)
      return rt::checkGradients(info, jit->entryPoints(),
                                uint64_t(seedOpt < 0 ? 1 : seedOpt),
                                coordsOpt) == 0
                 ? 0
                 : 1;
    fmt::print("compiled {} in {:.2f}s{}\n", inputFile.getValue(),
               compileSeconds,
               fromCache ? " (object code from the cache; --no-cache compiles "
                           "it anew)"
                         : "");
    rt::TrainOptions opts;
    rt::setThreads(int(threadsOpt));
    opts.seed = seedOpt;
    opts.limit = limitOpt;
    if (valSplitOpt >= 1)
      return fail("--validation-split must be in [0, 1)");
    opts.validationSplit = valSplitOpt;
    if (earlyStoppingOpt.getNumOccurrences() && earlyStoppingOpt < 0)
      return fail("--early-stopping needs a number of epochs (0: off)");
    if (info.gan && earlyStoppingOpt.getNumOccurrences())
      return fail("a gan has no validation loss to stop on: drop "
                  "--early-stopping");
    opts.earlyStopping = earlyStoppingOpt;
    if (!scheduleOpt.empty() && !rt::knownSchedule(scheduleOpt))
      return fail("--lr-schedule must be " + scheduleList());
    opts.schedule = scheduleOpt;
    opts.report = reportOpt;
    opts.save = saveOpt;
    opts.plot = plotOpt;
    opts.samples = samplesOpt;
    opts.resume = resumeOpt;
    opts.compileSeconds = compileSeconds;
    if (info.gan)
      return rt::trainGan(info, jit->entryPoints(), opts);
    return rt::train(info, jit->entryPoints(), opts);
  }

  if (buildCmd) {
    if (outputFile == "-")
      return fail("`lathe build` needs -o EXECUTABLE");
    std::vector<std::string> objects = compileObjects(
        *module, cpuOpt, mattrOpt, parts, error, [&](llvm::Module &m) {
          addExecutableSymbols(m, info.name, *description);
        });
    if (objects.empty())
      return fail("cannot emit object code: " + error);
    times.done("LLVM IR to machine code");
    std::vector<std::string> objPaths;
    auto removeObjects = [&] {
      for (const std::string &p : objPaths)
        llvm::sys::fs::remove(p);
    };
    for (const std::string &object : objects) {
      llvm::SmallString<128> objPath;
      if (auto ec = llvm::sys::fs::createTemporaryFile("lathe", "o", objPath)) {
        removeObjects();
        return fail("cannot create a temporary file: " + ec.message());
      }
      objPaths.push_back(objPath.str().str());
      std::error_code ec;
      llvm::raw_fd_ostream os(objPath, ec);
      if (!ec) {
        os << object;
        os.close();
        ec = os.error();
      }
      if (ec) {
        os.clear_error();
        removeObjects();
        return fail("cannot write " + objPaths.back() + ": " + ec.message());
      }
    }
    int rc = linkExecutable(objPaths, outputFile);
    removeObjects();
    times.done("link");
    times.print();
    if (rc == 0)
      fmt::print("built {} from {} in {:.2f}s\n", outputFile.getValue(),
                 inputFile.getValue(),
                 std::chrono::duration<double>(Clock::now() - start).count());
    return rc;
  }

  auto out = mlir::openOutputFile(outputFile, &error);
  if (!out)
    return fail(error);
  if (emit == Emit::LLVM) {
    llvmModule->print(out->os(), nullptr);
  } else if (emit == Emit::Obj && outputFile == "-") {
    return fail("--emit=obj needs -o FILE");
  } else {
    addExecutableSymbols(*llvmModule, info.name, *description);
    if (!emitMachineCode(*llvmModule, *tm, out->os(), emit == Emit::Obj))
      return fail("cannot emit machine code for this target");
  }
  out->keep();
  return 0;
}
