//===- lathe.cpp - The Lathe compiler driver ------------------------------===//
//
// Reads a model file, checks it, and emits the requested stage:
//   lathe --emit=ast model.lathe      the checked syntax tree with shapes
//   lathe --emit=lathe model.lathe    the Lathe dialect IR (default)
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/codegen/MLIRGen.h"
#include "compiler/frontend/Sema.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Config/llvm-config.h"

#include <fmt/format.h>

namespace cl = llvm::cl;
using namespace lathe;

namespace {
enum class Emit { AST, Lathe };

cl::OptionCategory latheCat("Lathe options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.lathe>"),
                               cl::Required, cl::cat(latheCat));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(latheCat));
cl::opt<Emit> emit(
    "emit", cl::desc("The stage to print"), cl::init(Emit::Lathe),
    cl::values(clEnumValN(Emit::AST, "ast", "checked syntax tree with shapes"),
               clEnumValN(Emit::Lathe, "lathe", "Lathe dialect IR")),
    cl::cat(latheCat));
cl::opt<std::string>
    dataOpt("data",
            cl::desc("Data binding that replaces the model file's `data`"),
            cl::value_desc("kind[:path]"), cl::cat(latheCat));
cl::opt<int64_t> batchOpt("batch", cl::desc("Batch size (overrides train)"),
                          cl::init(0), cl::cat(latheCat));
cl::opt<int64_t> epochsOpt("epochs", cl::desc("Epochs (overrides train)"),
                           cl::init(0), cl::cat(latheCat));

int fail(const std::string &message) {
  fmt::print(stderr, "lathe: error: {}\n", message);
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << fmt::format("lathe {} (LLVM/MLIR {})\n", LATHE_VERSION,
                      LLVM_VERSION_STRING);
  });
  cl::HideUnrelatedOptions({&latheCat, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv, "Lathe model compiler\n");

  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/true);
  if (!buffer)
    return fail(fmt::format("cannot read '{}': {}", inputFile.getValue(),
                            buffer.getError().message()));
  if (batchOpt < 0 || batchOpt > (1 << 20))
    return fail(fmt::format("--batch must be in [1, {}]", 1 << 20));
  if (epochsOpt < 0 || epochsOpt > (1 << 20))
    return fail(fmt::format("--epochs must be in [1, {}]", 1 << 20));

  SourceFile source(inputFile, (*buffer)->getBuffer().str());
  DiagnosticEngine diags(source);
  Program program;
  bool ok = parseAndCheck(source, diags, program);
  diags.print(stderr);
  if (!ok)
    return 1;

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);

  if (emit == Emit::AST) {
    output->os() << dumpAST(program, inputFile);
    output->keep();
    return 0;
  }

  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);

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
  if (!module || mlir::failed(mlir::verify(*module)))
    return fail("internal error: the generated IR does not verify");
  module->print(output->os());
  output->keep();
  return 0;
}
