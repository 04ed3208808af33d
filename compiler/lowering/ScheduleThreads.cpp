//===- ScheduleThreads.cpp - A step as one parallel region ----------------===//
//
// After bufferization, a step that lathe-partition cut holds `lathe.parts`
// loops (scf.forall, one iteration per part) between ops that run once. Run
// as OpenMP parallel loops, each of them would be a parallel region of its
// own; this pass instead makes the whole step one region, in which
//
//  - thread t runs iteration t of every parts loop (iterations t, t + n, ...
//    on n threads; all of them on one thread),
//  - thread 0 runs the ops that run once (grouped in scf.if),
//  - every thread runs the cheap scalar ops (loads, arithmetic) that the
//    parts loops need; thread 0 alone those only its own ops use, and
//  - a barrier separates two ops only where a thread would touch what
//    another thread wrote since the last barrier (or write what another one
//    read): the accesses are compared as boxes of the buffers, computed per
//    iteration from the views' constant offsets. The barrier is the
//    runtime's lathe_barrier(), which spins: OpenMP's takes a few hundred
//    nanoseconds more, several times a step (the module's weak definition
//    is OpenMP's, for programs without the runtime).
//
// Allocations move before the region, deallocations after it; a large
// buffer that a part allocates for itself becomes its slice of one buffer
// allocated before the region. A step whose values would cross threads
// other than through memory is left as it is.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/Outlining.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace lathe {
#define GEN_PASS_DEF_LATHESCHEDULETHREADS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// A part of a buffer one op touches: `root` (an allocation or argument)
/// between lo and hi in each dimension (empty: all of it).
struct Access {
  Value root;
  SmallVector<int64_t> lo, hi;
  bool write;
};

bool overlap(const Access &a, const Access &b) {
  if (a.root != b.root || (!a.write && !b.write))
    return false;
  if (a.lo.empty() || b.lo.empty() || a.lo.size() != b.lo.size())
    return true;
  for (size_t d = 0; d < a.lo.size(); ++d)
    if (a.hi[d] <= b.lo[d] || b.hi[d] <= a.lo[d])
      return false;
  return true;
}



enum class Kind { Parts, Once, Everyone };

/// What threads call while they wait for thread 0 (runtime/Parallel.h).
constexpr llvm::StringLiteral kIdleWork = "lathe_idle_work";
/// The barrier between two stretches of the step (runtime/Parallel.h).
constexpr llvm::StringLiteral kBarrier = "lathe_barrier";

struct ScheduleThreadsPass : lathe::impl::LatheScheduleThreadsBase<ScheduleThreadsPass> {
  using LatheScheduleThreadsBase::LatheScheduleThreadsBase;

  void runOnOperation() override {
    SmallVector<func::FuncOp> fns;
    getOperation().walk([&](func::FuncOp fn) {
      if (!fn.isExternal() && llvm::any_of(fn.getBody().front(), [](Operation &op) {
            return op.hasAttr("lathe.parts");
          }))
        fns.push_back(fn);
    });
    for (func::FuncOp fn : fns)
      schedule(fn);
  }

  /// The constant value of `v` when the forall's induction variable `iv` is
  /// `at` (nothing for other values).
  static std::optional<int64_t> evaluate(Value v, Value iv, int64_t at) {
    if (v == iv)
      return at;
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return c;
    if (auto mul = v.getDefiningOp<arith::MulIOp>()) {
      std::optional<int64_t> x = evaluate(mul.getLhs(), iv, at),
                             y = evaluate(mul.getRhs(), iv, at);
      return x && y ? std::optional<int64_t>(*x * *y) : std::nullopt;
    }
    if (auto add = v.getDefiningOp<arith::AddIOp>()) {
      std::optional<int64_t> x = evaluate(add.getLhs(), iv, at),
                             y = evaluate(add.getRhs(), iv, at);
      return x && y ? std::optional<int64_t>(*x + *y) : std::nullopt;
    }
    if (auto apply = v.getDefiningOp<affine::AffineApplyOp>()) {
      SmallVector<Attribute> operands;
      for (Value o : apply.getMapOperands()) {
        std::optional<int64_t> x = evaluate(o, iv, at);
        if (!x)
          return std::nullopt;
        operands.push_back(IntegerAttr::get(IndexType::get(v.getContext()), *x));
      }
      SmallVector<Attribute> out;
      if (failed(apply.getAffineMap().constantFold(operands, out)) || out.size() != 1)
        return std::nullopt;
      return cast<IntegerAttr>(out[0]).getInt();
    }
    return std::nullopt;
  }

  /// The buffer `v` views and the box of it, as far as the views say
  /// (whole where they do not).
  static Access resolve(Value v, Value iv, int64_t at, bool write) {
    SmallVector<memref::SubViewOp> chain;
    while (true) {
      Operation *def = v.getDefiningOp();
      if (auto sv = dyn_cast_or_null<memref::SubViewOp>(def)) {
        chain.push_back(sv);
        v = sv.getSource();
      } else if (def && isa<memref::CastOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
                            memref::ReinterpretCastOp, memref::MemorySpaceCastOp>(def)) {
        chain.clear(); // the boxes below are in another shape
        v = def->getOperand(0);
      } else {
        break;
      }
    }
    Access a{v, {}, {}, write};
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape())
      return a;
    a.lo.assign(type.getRank(), 0);
    a.hi.assign(type.getShape().begin(), type.getShape().end());
    // From the root down: each subview narrows the box while it keeps the
    // rank and unit strides and its offsets are known.
    for (memref::SubViewOp sv : llvm::reverse(chain)) {
      if (sv.getSourceType().getRank() != type.getRank() ||
          sv.getType().getRank() != type.getRank())
        break;
      bool known = true;
      SmallVector<int64_t> lo(a.lo), hi(a.hi);
      auto offsets = sv.getMixedOffsets(), sizes = sv.getMixedSizes(),
           strides = sv.getMixedStrides();
      for (int64_t d = 0; d < type.getRank() && known; ++d) {
        std::optional<int64_t> o = isa<Value>(offsets[d]) ? evaluate(cast<Value>(offsets[d]), iv, at)
                                                          : getConstantIntValue(offsets[d]);
        std::optional<int64_t> s = getConstantIntValue(sizes[d]);
        std::optional<int64_t> st = getConstantIntValue(strides[d]);
        if (!o || !s || !st || *st != 1) {
          known = false;
          break;
        }
        lo[d] = a.lo[d] + *o;
        hi[d] = lo[d] + *s;
      }
      if (!known)
        break;
      a.lo = lo;
      a.hi = hi;
    }
    return a;
  }

  /// What `op` (with everything nested) reads and writes, for iteration
  /// `at` of `iv` (when it is inside a parts loop). Fails on effects it
  /// cannot place.
  static LogicalResult accesses(Operation *op, Value iv, int64_t at, SmallVector<Access> &out) {
    bool ok = true;
    op->walk([&](Operation *o) {
      if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(o))
        return;
      auto mem = dyn_cast<MemoryEffectOpInterface>(o);
      if (!mem) {
        if (!o->hasTrait<OpTrait::HasRecursiveMemoryEffects>() && !isPure(o) &&
            !o->hasTrait<OpTrait::IsTerminator>())
          ok = false;
        return;
      }
      SmallVector<MemoryEffects::EffectInstance> effects;
      mem.getEffects(effects);
      for (auto &e : effects) {
        if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect()))
          continue;
        Value v = e.getValue();
        if (!v || !isa<MemRefType>(v.getType())) {
          ok = false;
          continue;
        }
        Access a = resolve(v, iv, at, isa<MemoryEffects::Write>(e.getEffect()));
        // A buffer that a loop carries (a block argument other than the
        // function's) is not known by itself: it could be any buffer.
        if (auto arg = dyn_cast<BlockArgument>(a.root);
            arg && !isa<func::FuncOp>(arg.getOwner()->getParentOp())) {
          ok = false;
          continue;
        }
        out.push_back(a);
      }
    });
    return success(ok);
  }

  static bool isScalarOp(Operation &op) {
    if (op.getNumRegions() != 0 || op.getNumResults() != 1 ||
        isa<MemRefType>(op.getResult(0).getType()))
      return false;
    return isPure(&op) || isa<memref::LoadOp>(op);
  }

  /// About how many loop iterations `op` runs (loops nested through the
  /// functions it calls), to compare stretches of a step.
  static int64_t estimateWork(Operation *op, ModuleOp module, int depth = 0) {
    if (depth > 8)
      return 1;
    if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
      int64_t n = 1;
      for (int64_t s : l.getStaticLoopRanges())
        n *= ShapedType::isDynamic(s) ? 1 : s;
      return n;
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (!callee || callee.isExternal())
        return 1;
      int64_t n = 0;
      for (Operation &inner : callee.getBody().front())
        n += estimateWork(&inner, module, depth + 1);
      return n;
    }
    int64_t inner = 0;
    for (Region &r : op->getRegions())
      for (Block &b : r)
        for (Operation &o : b)
          inner += estimateWork(&o, module, depth + 1);
    int64_t trips = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op))
      if (std::optional<APInt> t = loop.getStaticTripCount())
        trips = t->getSExtValue();
    return 1 + trips * inner;
  }

  /// The largest buffer a part may allocate for itself: the workspace puts
  /// such a buffer on the stack of the thread that runs the part; a larger
  /// one, a view of one buffer before the region (see hoistPartBuffers).
  static constexpr int64_t kPartStackBytes = 16 << 10;

  /// A large buffer that each part allocates and frees (an LSTM's states
  /// of its rows of the batch, where evaluation keeps none of them)
  /// becomes a view of one buffer allocated before the region, a slice of
  /// it per iteration: the parts then allocate nothing, and the step's
  /// workspace holds that buffer.
  /// (`forall` is a parts loop that schedule checked: one static
  /// dimension.)
  static void hoistPartBuffers(func::FuncOp fn, scf::ForallOp forall) {
    int64_t lb = forall.getStaticLowerBound()[0], step = forall.getStaticStep()[0];
    Block &body = forall.getRegion().front();
    Block &entry = fn.getBody().front();
    for (auto alloc : llvm::make_early_inc_range(body.getOps<memref::AllocOp>())) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() || type.getMemorySpace() ||
          !type.getElementType().isIntOrFloat() ||
          type.getElementType().getIntOrFloatBitWidth() % 8)
        continue;
      int64_t bytes = type.getNumElements() * (type.getElementType().getIntOrFloatBitWidth() / 8);
      if (bytes <= kPartStackBytes)
        continue;
      SmallVector<Operation *> deallocs;
      bool local = true;
      for (Operation *user : alloc->getUsers()) {
        if (isa<memref::DeallocOp>(user))
          deallocs.push_back(user);
        local &= forall->isProperAncestor(user) &&
                 !isa<scf::YieldOp, scf::InParallelOp>(user);
      }
      if (!local)
        continue;
      int64_t slice = (bytes + 63) / 64 * 64;
      Location loc = alloc.getLoc();
      OpBuilder top = OpBuilder::atBlockBegin(&entry);
      auto whole = memref::AllocOp::create(
          top, loc, MemRefType::get({iterations(forall) * slice}, top.getI8Type()), ValueRange{},
          top.getI64IntegerAttr(64));
      OpBuilder end(entry.getTerminator());
      memref::DeallocOp::create(end, loc, whole);
      OpBuilder b(alloc);
      auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
      Value part = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, forall.getInductionVar(0), cst(lb)), cst(step));
      Value shift = arith::MulIOp::create(b, loc, part, cst(slice));
      auto view = memref::ViewOp::create(b, loc, type, whole, shift, ValueRange{});
      alloc.replaceAllUsesWith(view.getResult());
      for (Operation *d : deallocs)
        d->erase();
      alloc.erase();
    }
  }

  /// The iterations of a parts loop (static; checked in schedule).
  static int64_t iterations(scf::ForallOp forall) {
    return (forall.getStaticUpperBound()[0] - forall.getStaticLowerBound()[0]) /
           forall.getStaticStep()[0];
  }

  static bool isView(Operation &op) {
    return isa<memref::SubViewOp, memref::CastOp, memref::ExpandShapeOp,
               memref::CollapseShapeOp, memref::ReinterpretCastOp, memref::GetGlobalOp>(op);
  }

  /// Moves each op that runs once after the last parts loop of `inside`
  /// to just after the last op before it that it depends on (see
  /// schedule), keeping `touched` in step and the IR in the same order.
  static void hoistTail(SmallVector<Operation *> &inside,
                        SmallVector<SmallVector<SmallVector<Access>>> &touched,
                        DenseMap<Operation *, Kind> &kind) {
    int64_t lastParts = -1;
    for (size_t i = 0; i < inside.size(); ++i)
      if (kind[inside[i]] == Kind::Parts)
        lastParts = int64_t(i);
    if (lastParts < 0)
      return;
    // (`producers`: the ops whose results inside[i], nested ops included,
    // uses.)
    auto dependsOn = [&](size_t i, size_t j, const DenseSet<Operation *> &producers) {
      if (producers.contains(inside[j]))
        return true;
      for (const auto &a : touched[i])
        for (const Access &x : a)
          for (const auto &b : touched[j])
            for (const Access &y : b)
              if (overlap(x, y))
                return true;
      return false;
    };
    for (size_t i = size_t(lastParts) + 1; i < inside.size(); ++i) {
      if (kind[inside[i]] != Kind::Once)
        continue;
      DenseSet<Operation *> producers;
      inside[i]->walk([&](Operation *o) {
        for (Value v : o->getOperands())
          if (Operation *def = v.getDefiningOp())
            producers.insert(def);
      });
      size_t to = i;
      while (to > 0 && !dependsOn(i, to - 1, producers))
        --to;
      if (to == i)
        continue;
      inside[i]->moveBefore(inside[to]);
      std::rotate(inside.begin() + to, inside.begin() + i, inside.begin() + i + 1);
      std::rotate(touched.begin() + to, touched.begin() + i, touched.begin() + i + 1);
    }
  }

  void schedule(func::FuncOp fn) {
    Block &body = fn.getBody().front();
    // The ops that stay outside: allocations, constants and views of them
    // (before), deallocations and the return (after).
    DenseSet<Value> outside;
    for (BlockArgument a : body.getArguments())
      outside.insert(a);
    SmallVector<Operation *> before, inside, after;
    for (Operation &op : body) {
      bool operandsOutside =
          llvm::all_of(op.getOperands(), [&](Value v) { return outside.contains(v); });
      if (op.hasTrait<OpTrait::IsTerminator>() || isa<memref::DeallocOp>(op)) {
        after.push_back(&op);
      } else if (operandsOutside &&
                 (isa<memref::AllocOp>(op) || isView(op) ||
                  (op.getNumRegions() == 0 && isPure(&op)))) {
        before.push_back(&op);
        for (Value r : op.getResults())
          outside.insert(r);
      } else {
        inside.push_back(&op);
      }
    }
    // The region must not hand values to what stays outside.
    for (Operation *op : after)
      for (Value v : op->getOperands())
        if (!outside.contains(v))
          return;

    // Scalars every thread needs: those the parts loops use, and what
    // those are computed from. A scalar only ops that run once use (a
    // loss's normalizer for the loss gradient) is computed by thread 0
    // alone: loaded by every thread, it would need a barrier after the op
    // that stored it.
    DenseSet<Value> neededByAll;
    for (Operation *op : llvm::reverse(inside)) {
      bool all = op->hasAttr("lathe.parts") ||
                 (isScalarOp(*op) && neededByAll.contains(op->getResult(0)));
      if (!all)
        continue;
      for (Value v : op->getOperands())
        neededByAll.insert(v);
      op->walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          neededByAll.insert(v);
      });
    }

    // Who runs each op, and what each thread's run of it touches.
    int64_t n = parts;
    DenseMap<Operation *, Kind> kind;
    SmallVector<SmallVector<SmallVector<Access>>> touched; // [op][thread]
    DenseSet<Value> onceValues;
    for (Operation *op : inside) {
      Kind k = op->hasAttr("lathe.parts") ? Kind::Parts
               : isScalarOp(*op) && neededByAll.contains(op->getResult(0))
                   ? Kind::Everyone
                   : Kind::Once;
      // A value computed by thread 0 alone cannot feed the others.
      for (Value v : op->getOperands())
        if (onceValues.contains(v)) {
          if (k == Kind::Everyone)
            k = Kind::Once;
          else if (k == Kind::Parts)
            return;
        }
      if (k == Kind::Parts) {
        auto forall = dyn_cast<scf::ForallOp>(op);
        if (!forall || forall.getRank() != 1 || !forall.getResults().empty())
          return;
        int64_t lb = forall.getStaticLowerBound()[0], ub = forall.getStaticUpperBound()[0],
                step = forall.getStaticStep()[0];
        // As many iterations as threads, or fewer (an LSTM's recurrence cut
        // into fewer parts than the step, where the batch has too few rows):
        // thread t runs iteration t, if there is one.
        if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) ||
            ShapedType::isDynamic(step) || step <= 0 || (ub - lb) % step != 0 ||
            (ub - lb) / step > n || (ub - lb) / step < 1)
          return;
      }
      if (k == Kind::Once)
        for (Value r : op->getResults())
          onceValues.insert(r);
      kind[op] = k;
      SmallVector<SmallVector<Access>> perThread(n);
      for (int64_t t = 0; t < n; ++t) {
        Value iv;
        int64_t at = 0;
        if (k == Kind::Parts) {
          auto forall = cast<scf::ForallOp>(op);
          if (t >= iterations(forall))
            continue;
          iv = forall.getInductionVar(0);
          at = forall.getStaticLowerBound()[0] + t * forall.getStaticStep()[0];
        } else if (k == Kind::Once && t > 0) {
          continue;
        }
        if (failed(accesses(op, iv, at, perThread[t])))
          return;
      }
      touched.push_back(std::move(perThread));
    }

    // Ops thread 0 runs alone after the last parts loop (the small layers'
    // optimizer updates) keep the other threads waiting at the region's
    // end. Each moves up to just after the last op it depends on (a value
    // it uses, or a box of a buffer that one of them writes and the other
    // touches): in a stretch where the others are busy too, or where they
    // wait for thread 0 anyway, it costs nothing. Where it lands in a
    // stretch thread 0 already ends last, it costs there what it saved at
    // the end.
    hoistTail(inside, touched, kind);

    // Barriers: before an op whose accesses on some thread conflict with
    // another thread's since the last barrier.
    SmallVector<bool> barrierBefore(inside.size(), false);
    SmallVector<SmallVector<Access>> since(n);
    for (size_t i = 0; i < inside.size(); ++i) {
      bool conflict = false;
      for (int64_t t = 0; t < n && !conflict; ++t)
        for (const Access &a : touched[i][t]) {
          for (int64_t u = 0; u < n && !conflict; ++u)
            if (u != t)
              conflict = llvm::any_of(since[u], [&](const Access &b) { return overlap(a, b); });
          if (conflict)
            break;
        }
      if (conflict) {
        barrierBefore[i] = true;
        for (auto &s : since)
          s.clear();
      }
      for (int64_t t = 0; t < n; ++t)
        since[t].append(touched[i][t]);
    }

    // Each run of thread 0's ops between barriers, and each part's body,
    // becomes a function of its own: the buffers it takes are then known
    // not to alias (as the step's were), and the code generation threads
    // share the step.
    SmallVector<Operation *> units;
    SmallVector<bool> unitBarrier;
    int counter = 0;
    auto pieceName = [&] { return (fn.getSymName() + ".task" + Twine(counter++)).str(); };
    for (size_t i = 0; i < inside.size();) {
      Operation *op = inside[i];
      if (kind[op] == Kind::Once) {
        size_t j = i + 1;
        while (j < inside.size() && kind[inside[j]] == Kind::Once && !barrierBefore[j])
          ++j;
        SmallVector<Operation *> group(inside.begin() + i, inside.begin() + j);
        if (func::CallOp call = lathe::outlineOps(fn, group, pieceName())) {
          kind[call] = Kind::Once;
          units.push_back(call);
          unitBarrier.push_back(barrierBefore[i]);
        } else {
          for (size_t k = i; k < j; ++k) {
            units.push_back(inside[k]);
            unitBarrier.push_back(barrierBefore[k]);
          }
        }
        i = j;
        continue;
      }
      if (kind[op] == Kind::Parts) {
        auto forall = cast<scf::ForallOp>(op);
        hoistPartBuffers(fn, forall);
        Block &fb = forall.getRegion().front();
        SmallVector<Operation *> bodyOps;
        for (Operation &inner : fb.without_terminator())
          bodyOps.push_back(&inner);
        if (!bodyOps.empty())
          (void)lathe::outlineOps(fn, bodyOps, pieceName(),
                                  {forall.getInductionVar(0)});
      }
      units.push_back(op);
      unitBarrier.push_back(barrierBefore[i]);
      ++i;
    }
    inside.assign(units.begin(), units.end());
    barrierBefore.assign(unitBarrier.begin(), unitBarrier.end());

    // Between two barriers, the other threads wait while thread 0 runs its
    // ops that run once. In the stretch where they wait longest, they call
    // lathe_idle_work() before the barrier that ends it: the runtime hands
    // it a job (gathering the next batch) that would otherwise run between
    // steps, on its own.
    auto module = fn->getParentOfType<ModuleOp>();
    int64_t idleStretch = -1, stretch = 0, longest = 0, onceWork = 0;
    for (size_t i = 0; i <= inside.size(); ++i) {
      if (i == inside.size() || barrierBefore[i]) {
        if (onceWork > longest) {
          longest = onceWork;
          idleStretch = stretch;
        }
        onceWork = 0;
        ++stretch;
      }
      if (i < inside.size() && kind[inside[i]] == Kind::Once)
        onceWork += estimateWork(inside[i], module);
    }

    // Build the region.
    MLIRContext *ctx = fn.getContext();
    OpBuilder b(ctx);
    Location loc = fn.getLoc();
    Operation *first = inside.empty() ? nullptr : inside.front();
    if (!first)
      return;
    for (Operation *op : before)
      op->moveBefore(first);
    auto declare = [&](StringRef name) {
      if (!module.lookupSymbol<func::FuncOp>(name)) {
        OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
        auto f = func::FuncOp::create(mb, loc, name, FunctionType::get(ctx, {}, {b.getI32Type()}));
        f.setPrivate();
      }
    };
    declare("omp_get_thread_num");
    declare("omp_get_num_threads");
    b.setInsertionPoint(first);
    auto region = omp::ParallelOp::create(b, loc, omp::ParallelOperands{});
    Block *block = b.createBlock(&region.getRegion());
    b.setInsertionPointToStart(block);
    auto idx = [&](StringRef name) {
      Value i = func::CallOp::create(b, loc, name, TypeRange{b.getI32Type()}, ValueRange{})
                    .getResult(0);
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), i).getResult();
    };
    Value tid = idx("omp_get_thread_num"), count = idx("omp_get_num_threads");
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, zero);
    Value isOther = idleStretch < 0
                        ? Value()
                        : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, tid, zero);
    auto term = omp::TerminatorOp::create(b, loc);
    // The runtime's functions, each with a weak definition in the module
    // for programs without the runtime: the idle work does nothing there,
    // the barrier is OpenMP's.
    auto declareWeak = [&](StringRef name, bool ompBarrier) {
      if (module.lookupSymbol<func::FuncOp>(name))
        return;
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      auto f = func::FuncOp::create(mb, loc, name, FunctionType::get(ctx, {}, {}));
      f->setAttr("llvm.linkage", LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Weak));
      OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
      if (ompBarrier)
        omp::BarrierOp::create(fb, loc);
      func::ReturnOp::create(fb, loc);
    };
    auto idle = [&] {
      declareWeak(kIdleWork, /*ompBarrier=*/false);
      auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, isOther, /*withElse=*/false);
      OpBuilder ib = OpBuilder::atBlockBegin(ifOp.thenBlock());
      func::CallOp::create(ib, loc, kIdleWork, TypeRange{}, ValueRange{});
    };
    auto barrier = [&] {
      declareWeak(kBarrier, /*ompBarrier=*/true);
      func::CallOp::create(b, loc, kBarrier, TypeRange{}, ValueRange{});
    };

    stretch = 0;
    for (size_t i = 0; i < inside.size(); ++i) {
      Operation *op = inside[i];
      b.setInsertionPoint(term);
      if (barrierBefore[i]) {
        if (stretch++ == idleStretch)
          idle();
        barrier();
      }
      switch (kind[op]) {
      case Kind::Everyone:
        op->moveBefore(term);
        break;
      case Kind::Once: {
        SmallVector<Type> types(op->getResultTypes());
        auto ifOp = scf::IfOp::create(b, loc, types, isFirst, /*withElse=*/!types.empty());
        b.setInsertionPointToStart(ifOp.thenBlock());
        if (!types.empty()) {
          auto yield = scf::YieldOp::create(b, loc, op->getResults());
          op->moveBefore(yield);
          b.setInsertionPointToStart(ifOp.elseBlock());
          SmallVector<Value> poison;
          for (Type t : types)
            poison.push_back(ub::PoisonOp::create(b, loc, t));
          scf::YieldOp::create(b, loc, poison);
          for (auto [from, to] : llvm::zip(op->getResults(), ifOp.getResults()))
            from.replaceUsesWithIf(to, [&](OpOperand &u) { return u.getOwner() != ifOp.thenYield(); });
        } else {
          op->moveBefore(ifOp.thenBlock()->getTerminator());
        }
        break;
      }
      case Kind::Parts: {
        auto forall = cast<scf::ForallOp>(op);
        int64_t lb = forall.getStaticLowerBound()[0], step = forall.getStaticStep()[0];
        Value nParts = arith::ConstantIndexOp::create(b, loc, iterations(forall));
        auto loop = scf::ForOp::create(b, loc, tid, nParts, count);
        b.setInsertionPointToStart(loop.getBody());
        Value iv = arith::AddIOp::create(
            b, loc, arith::ConstantIndexOp::create(b, loc, lb),
            arith::MulIOp::create(b, loc, loop.getInductionVar(),
                                  arith::ConstantIndexOp::create(b, loc, step)));
        Block &fb = forall.getRegion().front();
        forall.getInductionVar(0).replaceAllUsesWith(iv);
        Operation *yield = loop.getBody()->getTerminator();
        for (Operation &inner : llvm::make_early_inc_range(fb.without_terminator()))
          inner.moveBefore(yield);
        forall.erase();
        break;
      }
      }
    }
    if (stretch == idleStretch) {
      b.setInsertionPoint(term);
      idle();
    }
  }
};
} // namespace
