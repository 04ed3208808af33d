//===- Pipeline.cpp - From Lathe IR to native code ------------------------===//
#include "compiler/pipeline/Pipeline.h"
#include "compiler/Passes.h"
#include "dialect/LatheOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

#include <fmt/format.h>
#include <mutex>
#include <sstream>

using namespace mlir;

LogicalResult lathe::runPipeline(ModuleOp module, StringRef pipeline) {
  // The pipeline text lists module-level passes; parsing it into `pm` adds
  // them under pm's builtin.module anchor.
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  // --mlir-timing: a report per pipeline, when its scope ends.
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope scope = timing.getRootScope();
  pm.enableTiming(scope);
  std::string err;
  llvm::raw_string_ostream os(err);
  if (failed(parsePassPipeline(pipeline, pm, os))) {
    module.emitError("bad pass pipeline: ") << err;
    return failure();
  }
  return pm.run(module);
}

namespace {

std::string dims(RankedTensorType t, bool dropBatch) {
  std::string s;
  for (int64_t d : t.getShape().drop_front(dropBatch ? 1 : 0))
    s += fmt::format(" {}", d);
  return s;
}

std::string attrText(Attribute a) {
  if (auto s = dyn_cast<StringAttr>(a))
    return s.str();
  if (auto b = dyn_cast<BoolAttr>(a))
    return b.getValue() ? "true" : "false";
  if (auto i = dyn_cast<IntegerAttr>(a))
    return std::to_string(i.getInt());
  if (auto f = dyn_cast<FloatAttr>(a))
    return fmt::format("{}", f.getValueAsDouble());
  if (auto arr = dyn_cast<ArrayAttr>(a)) {
    std::string s;
    for (Attribute x : arr)
      s += (s.empty() ? "" : "|") + attrText(x);
    return s;
  }
  return "";
}
} // namespace

LogicalResult lathe::buildTrainingFunctions(ModuleOp module) {
  return runPipeline(module, "lathe-pool-first, lathe-autodiff");
}

namespace {
/// The optimizer with its numeric settings, and the learning-rate schedule
/// on a line of its own.
std::string optimizerLine(DictionaryAttr optimizer) {
  std::string opt, schedule;
  for (NamedAttribute a : optimizer)
    if (a.getName() == "name")
      opt = attrText(a.getValue()) + opt;
    else if (a.getName() == "schedule")
      schedule = "schedule " + attrText(a.getValue()) + "\n";
    else
      opt += fmt::format(" {}={}", a.getName().str(), attrText(a.getValue()));
  return "optimizer " + opt + "\n" + schedule;
}

/// The key of argument `i`'s line in the description: its role, or for a
/// parameter no gradient trains (`lathe.buffer`) buffer, gbuffer or dbuffer.
std::string describedRole(func::FuncOp fn, unsigned i) {
  StringRef role = fn.getArgAttrOfType<StringAttr>(i, "lathe.role").getValue();
  if (!fn.getArgAttr(i, "lathe.buffer"))
    return role.str();
  return role == "gparam" ? "gbuffer" : role == "dparam" ? "dbuffer" : "buffer";
}

/// Parameter and state lines for the arguments of `fn` with these roles.
std::string tensorLines(func::FuncOp fn, ArrayRef<StringRef> roles) {
  std::string out;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto role = fn.getArgAttrOfType<StringAttr>(i, "lathe.role");
    if (!role || !llvm::is_contained(roles, role.getValue()))
      continue;
    auto type = cast<RankedTensorType>(fn.getArgumentTypes()[i]);
    out += fmt::format("{} {} {}{}\n", describedRole(fn, i),
                       fn.getArgAttrOfType<StringAttr>(i, "lathe.param").str(),
                       fn.getArgAttrOfType<StringAttr>(i, "lathe.init").str(),
                       dims(type, false));
  }
  return out;
}

FailureOr<std::string> describeGan(ModuleOp module, lathe::GanOp g) {
  SymbolTable symbols(module);
  std::string base = g.getSymName().str();
  auto d = symbols.lookup<func::FuncOp>(base + ".d_step");
  auto gs = symbols.lookup<func::FuncOp>(base + ".g_step");
  auto gen = symbols.lookup<func::FuncOp>(base + ".generate");
  if (!d || !gs || !gen)
    return g.emitError("autodiff has not run");
  std::string out = "lathe-model 1\nkind gan\n";
  out += fmt::format("name {}\nbatch {}\nepochs {}\nseed {}\nloss {}\n", base,
                     g.getBatch(), g.getEpochs(), g.getSeed(),
                     g.getLoss().str());
  out += optimizerLine(g.getOptimizer());
  out += fmt::format("noise {} {}\ntask binary\n", g.getNoise().str(),
                     g.getNoiseDim());
  auto img = cast<RankedTensorType>(gen.getResultTypes().front());
  out += fmt::format("input f32{}\noutput{}\n", dims(img, true),
                     dims(img, true));
  out += tensorLines(d, {"gparam", "dparam", "dstate"});
  out += tensorLines(gs, {"gstate"});
  for (NamedAttribute a : g.getData())
    out += fmt::format("data.{} {}\n", a.getName().str(), attrText(a.getValue()));
  return out;
}
} // namespace

FailureOr<std::string> lathe::describeModel(ModuleOp module) {
  auto recipes = module.getOps<SupervisedOp>();
  if (recipes.empty()) {
    for (GanOp g : module.getOps<GanOp>())
      return describeGan(module, g);
    return module.emitError("no model to compile");
  }
  SupervisedOp r = *recipes.begin();
  SymbolTable symbols(module);
  auto step = symbols.lookup<func::FuncOp>((r.getSymName() + ".train_step").str());
  auto predict = symbols.lookup<func::FuncOp>((r.getSymName() + ".predict").str());
  if (!step || !predict)
    return r.emitError("autodiff has not run");
  std::string out = "lathe-model 1\n";
  out += fmt::format("name {}\nbatch {}\nepochs {}\nseed {}\n", r.getSymName().str(),
                     r.getBatch(), r.getEpochs(), r.getSeed());
  out += fmt::format("validation_split {}\nearly_stopping {}\nloss {}\n",
                     r.getValidationSplit().convertToDouble(),
                     r.getEarlyStopping(), r.getLoss().str());
  out += optimizerLine(r.getOptimizer()) + "metrics";
  for (Attribute m : r.getMetrics())
    out += " " + attrText(m);
  StringRef loss = r.getLoss();
  out += fmt::format("\ntask {}\n",
                     loss == "sparse_categorical_crossentropy" ? "classes"
                     : loss == "categorical_crossentropy"      ? "onehot"
                     : loss == "binary_crossentropy"           ? "binary"
                                                               : "regression");
  for (unsigned i = 0; i < step.getNumArguments(); ++i) {
    auto role = step.getArgAttrOfType<StringAttr>(i, "lathe.role");
    auto type = cast<RankedTensorType>(step.getArgumentTypes()[i]);
    if (role == "seed")
      out += "dropout\n";
    if (role == "input")
      out += fmt::format("input {}{}\n",
                         type.getElementType().isF32() ? "f32" : "i32",
                         dims(type, true));
    if (role == "param" || role == "state")
      out +=
          fmt::format("{} {} {}{}\n", describedRole(step, i),
                      step.getArgAttrOfType<StringAttr>(i, "lathe.param").str(),
                      step.getArgAttrOfType<StringAttr>(i, "lathe.init").str(),
                      dims(type, false));
  }
  out += fmt::format(
      "output{}\n",
      dims(cast<RankedTensorType>(predict.getResultTypes().front()), true));
  for (NamedAttribute a : r.getData())
    out += fmt::format("data.{} {}\n", a.getName().str(), attrText(a.getValue()));
  return out;
}

LogicalResult lathe::lowerToLinalg(ModuleOp module) {
  return runPipeline(module, "lathe-strip-model, lathe-lower-to-linalg, "
                             "canonicalize, cse, lathe-fuse-elementwise, "
                             "canonicalize, cse");
}

LogicalResult lathe::lowerToLLVMDialect(ModuleOp module,
                                        const std::string &debugIR,
                                        unsigned stepParts,
                                        const std::string &conv,
                                        Workspace workspace) {
  std::string partition, schedule;
  if (stepParts > 1) {
    partition = fmt::format("lathe-partition{{parts={}}}, func.func(canonicalize, cse), ", stepParts);
    schedule = fmt::format("lathe-schedule-threads{{parts={}}}, ", stepParts);
  }
  std::string snapshot, scopes;
  if (!debugIR.empty()) {
    snapshot = "snapshot-op-locations{filename=" + debugIR + "}, ";
    scopes = "ensure-debug-info-scope-on-llvm-func{emission-kind=LineTablesOnly}, ";
  }
  if (failed(runPipeline(
          module,
          snapshot +
          // Before the cut, which then cuts the direct convolutions.
          fmt::format("func.func(lathe-direct-conv{{mode={}}}), ", conv) +
          partition +
          "func.func(lathe-fuse-gradient-update, canonicalize, cse), "
          // Function-level passes are nested under func.func, where MLIR
          // runs them on several functions (the steps, later their pieces)
          // at once.
          "func.func(lathe-vectorize-conv, lathe-loop-order, lathe-vectorize-matmul, "
          "lathe-vectorize-transpose, lathe-flatten-elementwise, "
          "lathe-approximate-math, canonicalize, cse), "
          // After the last CSE, which would merge its fills again;
          // lathe-update-in-place also eliminates the module's empty
          // tensors.
          "lathe-unshare-inits, lathe-update-in-place, "
          "func.func(lathe-read-inserted-slices), "
          "one-shot-bufferize{bufferize-function-boundaries=true "
          "function-boundary-type-conversion=identity-layout-map}, "
          "lathe-drop-argument-results, "
          "func.func(buffer-loop-hoisting), "
          "buffer-results-to-out-params{hoist-static-allocs=true modify-public-functions=true}, "
          // MLIR's buffer-deallocation-pipeline, with its function-level
          // passes nested under func.func.
          "expand-realloc{emit-deallocs=false}, func.func(canonicalize), "
          "ownership-based-buffer-deallocation, "
          "func.func(canonicalize, buffer-deallocation-simplification), "
          "bufferization-lower-deallocations, func.func(cse, canonicalize), "
          "convert-bufferization-to-memref, " +
          schedule + "lathe-split-functions, "
          // Tasks and pieces that came out identical are kept once.
          "duplicate-function-elimination, " +
          // After the cut: the pieces get the buffers as noalias arguments.
          std::string(workspace == Workspace::Defined    ? "lathe-workspace, "
                      : workspace == Workspace::Declared ? "lathe-workspace{declared=true}, "
                                                         : "") +
          // Flattened again on buffers: what had to stay N-D on tensors
          // (updates of weights cut into parts) is contiguous memory now.
          "func.func(lathe-flatten-elementwise, lathe-strided-copies, "
          "convert-linalg-to-loops, "
          "lathe-lower-vectors, "
          "scf-forall-to-parallel), convert-scf-to-openmp, "
          "func.func(convert-vector-to-scf{full-unroll=true}, canonicalize, "
          "expand-strided-metadata, lower-affine, convert-scf-to-cf, "
          "convert-vector-to-llvm, lathe-convert-scalars-to-llvm)")))
    return failure();
  // Math ops LLVM has no intrinsic for become libm calls; most models have
  // none left, and the pass would walk the whole module for nothing.
  bool libm = false;
  module.walk([&](Operation *op) {
    if (isa<math::MathDialect>(op->getDialect()))
      libm = true;
    return libm ? WalkResult::interrupt() : WalkResult::advance();
  });
  return runPipeline(
      module,
      std::string(libm ? "convert-math-to-libm, " : "") +
          "lathe-convert-to-llvm, " + scopes +
          "llvm.func(reconcile-unrealized-casts)");
}

namespace {
/// LLVM options that make its optimization and code generation of Lathe's
/// code cheaper at no measured cost in speed, unless the command line set
/// them. The matmul and transpose kernels are unrolled in MLIR already;
/// LLVM's partial and runtime unrolling of the remaining scalar loops, and
/// its loop strength reduction, took ~20% of its time on the DCGAN (JIT to
/// the first step 1.23 -> 1.10 s) with no change in any model's samples/s
/// beyond noise. Full unrolling of short constant loops stays. (The NVPTX
/// kernels are compiled to PTX before any target machine for the host is
/// made, with LLVM's defaults.)
void setCodegenDefaults() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto &options = llvm::cl::getRegisteredOptions();
    for (auto [name, value] : {std::pair{"unroll-runtime", "false"},
                               {"unroll-allow-partial", "false"},
                               {"disable-lsr", "true"}}) {
      auto it = options.find(name);
      if (it != options.end() && it->second->getNumOccurrences() == 0)
        it->second->addOccurrence(0, name, value);
    }
  });
}
} // namespace

std::unique_ptr<llvm::TargetMachine>
lathe::createTargetMachine(const std::string &cpu, const std::string &features,
                           std::string &error) {
  setCodegenDefaults();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string hostCpu = cpu.empty() ? llvm::sys::getHostCPUName().str() : cpu;
  std::string feats = features;
  if (feats.empty() && cpu.empty()) {
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    for (auto &f : host)
      feats += (feats.empty() ? "" : ",") +
               std::string(f.second ? "+" : "-") + f.first().str();
    // LLVM tunes Intel's AVX-512 cores to prefer 256-bit vectors in the
    // loops it vectorizes itself (elementwise ops, optimizer updates, an
    // LSTM cell's gates), against the clock drop of early AVX-512 parts.
    // The register kernels are 512-bit either way; with the loops 512-bit
    // too, the spam LSTM trained 8% faster on an Intel Xeon.
    if (host.lookup("avx512f"))
      feats += ",-prefer-256-bit";
  }
  llvm::TargetOptions options;
  // Static constructors (the NVPTX host code loads its kernels in one) go
  // to .init_array: glibc no longer runs .ctors, and lld keeps them apart.
  options.UseInitArray = true;
  // A product that feeds a sum is one FMA, as C compilers and the NVPTX
  // back end do by default: the optimizer updates are loops of such pairs
  // (the MLP 3.7% faster on one thread), and results round once less.
  options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, hostCpu, feats, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Default));
  if (!tm)
    error = "cannot create a target machine for " + hostCpu;
  return tm;
}

void lathe::registerLLVMTranslations(MLIRContext &ctx) {
  registerBuiltinDialectTranslation(ctx);
  registerLLVMDialectTranslation(ctx);
  registerOpenMPDialectTranslation(ctx);
}

std::unique_ptr<llvm::Module>
lathe::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &ctx,
                         llvm::TargetMachine &tm, bool optimize) {
  registerLLVMTranslations(*module.getContext());
  auto llvmModule = translateRegistered(module, ctx, tm);
  if (llvmModule && optimize && !optimizeModule(*llvmModule, tm))
    return nullptr;
  return llvmModule;
}

std::unique_ptr<llvm::Module>
lathe::translateRegistered(ModuleOp module, llvm::LLVMContext &ctx,
                           llvm::TargetMachine &tm) {
  auto llvmModule = translateModuleToLLVMIR(module, ctx);
  if (!llvmModule)
    return nullptr;
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  // Packed wrappers: void _mlir_NAME(void **args), args[i] -> argument i.
  // Hidden functions are internal ones that splitModule made visible to
  // the other pieces.
  SmallVector<llvm::Function *> entries;
  for (llvm::Function &f : *llvmModule)
    if (!f.isDeclaration() && f.hasExternalLinkage() &&
        f.hasDefaultVisibility())
      entries.push_back(&f);
  for (llvm::Function *f : entries) {
    llvm::IRBuilder<> ib(ctx);
    auto *ptrTy = ib.getPtrTy();
    auto *wrapper = llvm::Function::Create(
        llvm::FunctionType::get(ib.getVoidTy(), {ptrTy}, false),
        llvm::GlobalValue::ExternalLinkage, "_mlir_" + f->getName(),
        *llvmModule);
    ib.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", wrapper));
    SmallVector<llvm::Value *> args;
    for (auto [i, arg] : llvm::enumerate(f->args())) {
      llvm::Value *slot = ib.CreateGEP(ptrTy, wrapper->getArg(0),
                                       ib.getInt64(i));
      llvm::Value *p = ib.CreateLoad(ptrTy, slot);
      args.push_back(ib.CreateLoad(arg.getType(), p));
    }
    ib.CreateCall(f, args);
    ib.CreateRetVoid();
  }
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
  }
  return llvmModule;
}

bool lathe::emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            llvm::raw_pwrite_stream &os, bool object) {
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             object ? llvm::CodeGenFileType::ObjectFile
                                    : llvm::CodeGenFileType::AssemblyFile))
    return false;
  pm.run(module);
  return true;
}

bool lathe::optimizeModule(llvm::Module &module, llvm::TargetMachine &tm) {
  auto opt = makeOptimizingTransformer(2, 0, &tm);
  if (auto err = opt(&module)) {
    llvm::consumeError(std::move(err));
    return false;
  }
  return true;
}
