//===- GpuMatmulTiles.cpp - Matmuls as shared-memory tiled kernels --------===//
//
// One thread per output element reads a row of A and a column of B from
// device memory for every output: a 128x5408x128 dense layer reads each
// operand 128 times. Here a matmul on buffers (C += A B, each operand
// possibly transposed) becomes a kernel of its own: a block of 256
// threads computes a T x T tile of C (T = 64, or 32 when C has fewer than
// 64 rows or columns or when tiles of 64 would leave half the GPU idle),
// staging 16-deep slices of A and B through shared
// memory, and each thread accumulates a (T/16) x (T/16) block of outputs
// in registers: its operands from one shared row are neighbours, which
// load as one vector (a warp's reads of A broadcast, its reads of B are
// one contiguous run). When the tiles are too few to fill the GPU, the
// reduction is also cut into chunks (a third grid dimension) whose sums
// are added to C atomically; C already holds the value the linalg op
// starts from.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUMATMULTILES
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
constexpr int64_t kThreads = 256;
constexpr int64_t kDepth = 16; // the reduction slice staged per step
constexpr int64_t kLanes = 16; // threads along a tile's rows and columns

/// A matmul on static f32 buffers: C[m,n] += sum_k A(m,k) B(k,n), where
/// A is stored [M,K] or, transposed, [K,M], and B [K,N] or [N,K].
struct Matmul {
  Value a, b, c;
  bool aTransposed, bTransposed;
  int64_t m, n, k;
};

bool isF32Static(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getRank() == 2 &&
         type.getElementType().isF32();
}

/// The matmul `op` computes, if it is one.
std::optional<Matmul> matchMatmul(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3)
    return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  if (iterators[0] != utils::IteratorType::parallel ||
      iterators[1] != utils::IteratorType::parallel ||
      iterators[2] != utils::IteratorType::reduction)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  auto map = [&](unsigned x, unsigned y) {
    return AffineMap::get(3, 0,
                          {getAffineDimExpr(x, ctx), getAffineDimExpr(y, ctx)},
                          ctx);
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[2] != map(0, 1))
    return std::nullopt;
  Matmul mm;
  if (maps[0] == map(0, 2))
    mm.aTransposed = false;
  else if (maps[0] == map(2, 0))
    mm.aTransposed = true;
  else
    return std::nullopt;
  if (maps[1] == map(2, 1))
    mm.bTransposed = false;
  else if (maps[1] == map(1, 2))
    mm.bTransposed = true;
  else
    return std::nullopt;
  mm.a = op.getDpsInputs()[0];
  mm.b = op.getDpsInputs()[1];
  mm.c = op.getDpsInits()[0];
  if (!isF32Static(mm.a) || !isF32Static(mm.b) || !isF32Static(mm.c))
    return std::nullopt;
  // The body: yield out + in0 * in1 (in either order).
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() != 3)
    return std::nullopt;
  Value out = body.getArgument(2), product;
  if (add.getLhs() == out)
    product = add.getRhs();
  else if (add.getRhs() == out)
    product = add.getLhs();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul ||
      !((mul.getLhs() == body.getArgument(0) &&
         mul.getRhs() == body.getArgument(1)) ||
        (mul.getLhs() == body.getArgument(1) &&
         mul.getRhs() == body.getArgument(0))))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  mm.m = ranges[0];
  mm.n = ranges[1];
  mm.k = ranges[2];
  return mm;
}

/// Whether a buffer's last dimension is its contiguous one.
bool lastContiguous(Value memref) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(cast<MemRefType>(memref.getType())
                 .getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct GpuMatmulTilesPass
    : lathe::impl::LatheGpuMatmulTilesBase<GpuMatmulTilesPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Matmul>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      // A launch may sit in the host code's loops, not in parallel ones.
      if (op->getParentOfType<scf::ParallelOp>() ||
          op->getParentOfType<scf::ForallOp>())
        return;
      // (Grids reach 65,535 blocks along y, the tiles of rows, and z, the
      // chunks of at least 8 steps.)
      if (std::optional<Matmul> mm = matchMatmul(op))
        if (mm->k >= minReduction && mm->m >= kLanes && mm->n >= kLanes &&
            ceilDiv(mm->m, 32) <= 65535 && mm->k / (8 * kDepth) <= 65535)
          found.push_back({op, *mm});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, mm] : found) {
      rewriter.setInsertionPoint(op);
      emit(rewriter, op.getLoc(), mm);
      rewriter.eraseOp(op);
    }
  }

  void emit(IRRewriter &b, Location loc, const Matmul &mm) {
    // Chunks of the reduction when the tiles are few: enough to fill the
    // GPU, each at least 8 steps long.
    int64_t steps = ceilDiv(mm.k, kDepth);
    auto chunksFor = [&](int64_t tiles) {
      int64_t chunks = 1;
      if (tiles < fillBlocks)
        chunks = std::clamp<int64_t>(ceilDiv(fillBlocks, tiles), 1,
                                     std::max<int64_t>(steps / 8, 1));
      return ceilDiv(steps, ceilDiv(steps, chunks));
    };
    auto tilesFor = [&](int64_t edge) {
      return ceilDiv(mm.m, edge) * ceilDiv(mm.n, edge);
    };
    // Tiles of 64 (twice the multiply-adds per shared load) unless C is
    // thinner or they would leave over half the GPU idle.
    int64_t edge = std::min(mm.m, mm.n) >= 64 &&
                           tilesFor(64) * chunksFor(tilesFor(64)) >=
                               fillBlocks / 2
                       ? 64
                       : 32;
    int64_t chunks = chunksFor(tilesFor(edge));
    int64_t chunkSteps = ceilDiv(steps, chunks);
    int64_t chunk = chunkSteps * kDepth;
    int64_t per = edge / kLanes;        // outputs per thread along each edge
    int64_t loads = edge * kDepth / kThreads; // elements per operand per step

    auto c = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    // The conjunction of v < bound over `checks`; null when there are none.
    auto inBounds = [&](ArrayRef<std::pair<Value, int64_t>> checks) {
      Value all;
      for (auto [v, bound] : checks) {
        Value lt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, v,
                                         c(bound));
        all = all ? arith::AndIOp::create(b, loc, all, lt) : lt;
      }
      return all;
    };
    Type f32 = b.getF32Type();
    auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                                gpu::AddressSpace::Workgroup);
    // Four padding columns: rows stay 16-byte aligned (a thread's
    // neighbouring operands load as one vector) and a warp storing along
    // the reduction hits each bank at most twice.
    auto sharedType = MemRefType::get({kDepth, edge + 4}, f32,
                                      MemRefLayoutAttrInterface{}, workgroup);
    auto launch = gpu::LaunchOp::create(
        b, loc, c(ceilDiv(mm.n, edge)), c(ceilDiv(mm.m, edge)), c(chunks),
        c(kThreads), c(1), c(1), /*dynamicSharedMemorySize=*/nullptr,
        /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{},
        TypeRange{sharedType, sharedType});
    Block &body = launch.getBody().front();
    b.setInsertionPointToStart(&body);
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&body);
    Value sharedA = launch.getWorkgroupAttributions()[0];
    Value sharedB = launch.getWorkgroupAttributions()[1];
    Value tid = launch.getThreadIds().x;
    Value tx = arith::RemUIOp::create(b, loc, tid, c(kLanes));
    Value ty = arith::DivUIOp::create(b, loc, tid, c(kLanes));
    Value rowBase = arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                          c(edge));
    Value colBase = arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                          c(edge));
    Value kBegin = arith::MulIOp::create(b, loc, launch.getBlockIds().z,
                                         c(chunk));
    Value kEnd = arith::AddIOp::create(b, loc, kBegin, c(chunk));
    if (chunks * chunk > mm.k)
      kEnd = arith::MinUIOp::create(b, loc, kEnd, c(mm.k));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));

    // Stages the [edge x kDepth] slice of `operand` at (base, k0) into
    // `shared` [kDepth][edge]. `transposed`: stored [K, extent].
    auto stage = [&](Value operand, bool transposed, int64_t extent,
                     Value base, Value k0, Value shared) {
      // Neighbouring threads take neighbouring addresses of the operand.
      bool alongK = transposed != lastContiguous(operand);
      for (int64_t r = 0; r < loads; ++r) {
        Value e = arith::AddIOp::create(b, loc, tid, c(r * kThreads));
        Value kk, i;
        if (alongK) {
          kk = arith::RemUIOp::create(b, loc, e, c(kDepth));
          i = arith::DivUIOp::create(b, loc, e, c(kDepth));
        } else {
          i = arith::RemUIOp::create(b, loc, e, c(edge));
          kk = arith::DivUIOp::create(b, loc, e, c(edge));
        }
        Value gi = arith::AddIOp::create(b, loc, base, i);
        Value gk = arith::AddIOp::create(b, loc, k0, kk);
        SmallVector<Value> index = transposed ? SmallVector<Value>{gk, gi}
                                              : SmallVector<Value>{gi, gk};
        SmallVector<std::pair<Value, int64_t>> checks;
        if (extent % edge)
          checks.push_back({gi, extent});
        if (mm.k % kDepth)
          checks.push_back({gk, mm.k});
        Value inside = inBounds(checks);
        Value v;
        if (inside) {
          auto guarded = scf::IfOp::create(b, loc, TypeRange{f32}, inside,
                                           /*withElseRegion=*/true);
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(guarded.thenBlock());
          scf::YieldOp::create(
              b, loc, memref::LoadOp::create(b, loc, operand, index).getResult());
          b.setInsertionPointToStart(guarded.elseBlock());
          scf::YieldOp::create(b, loc, zero);
          v = guarded.getResult(0);
        } else {
          v = memref::LoadOp::create(b, loc, operand, index);
        }
        memref::StoreOp::create(b, loc, v, shared, ValueRange{kk, i});
      }
    };

    SmallVector<Value> init(per * per, zero);
    auto loop = scf::ForOp::create(b, loc, kBegin, kEnd, c(kDepth), init);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      stage(mm.a, mm.aTransposed, mm.m, rowBase, k0, sharedA);
      stage(mm.b, !mm.bTransposed, mm.n, colBase, k0, sharedB);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> acc(loop.getRegionIterArgs());
      Value rowFirst = arith::MulIOp::create(b, loc, ty, c(per));
      Value colFirst = arith::MulIOp::create(b, loc, tx, c(per));
      auto vectorType = VectorType::get({per}, f32);
      auto operands = [&](Value shared, int64_t kk, Value first) {
        Value v = vector::LoadOp::create(b, loc, vectorType, shared,
                                         ValueRange{c(kk), first},
                                         /*nontemporal=*/false,
                                         llvm::Align(per * 4));
        SmallVector<Value> out;
        for (int64_t a = 0; a < per; ++a)
          out.push_back(vector::ExtractOp::create(b, loc, v, a));
        return out;
      };
      for (int64_t kk = 0; kk < kDepth; ++kk) {
        SmallVector<Value> av = operands(sharedA, kk, rowFirst);
        SmallVector<Value> bv = operands(sharedB, kk, colFirst);
        for (int64_t a = 0; a < per; ++a)
          for (int64_t j = 0; j < per; ++j)
            acc[a * per + j] =
                math::FmaOp::create(b, loc, av[a], bv[j], acc[a * per + j]);
      }
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, acc);
    }

    // The tile's outputs: added to C (atomically when chunks share it).
    for (int64_t a = 0; a < per; ++a)
      for (int64_t j = 0; j < per; ++j) {
        Value row = arith::AddIOp::create(
            b, loc, rowBase,
            arith::AddIOp::create(
                b, loc, arith::MulIOp::create(b, loc, ty, c(per)), c(a)));
        Value col = arith::AddIOp::create(
            b, loc, colBase,
            arith::AddIOp::create(
                b, loc, arith::MulIOp::create(b, loc, tx, c(per)), c(j)));
        Value sum = loop.getResult(a * per + j);
        SmallVector<std::pair<Value, int64_t>> checks;
        if (mm.m % edge)
          checks.push_back({row, mm.m});
        if (mm.n % edge)
          checks.push_back({col, mm.n});
        Value inside = inBounds(checks);
        OpBuilder::InsertionGuard g(b);
        if (inside) {
          auto guarded = scf::IfOp::create(b, loc, inside);
          b.setInsertionPointToStart(guarded.thenBlock());
        }
        SmallVector<Value, 2> index{row, col};
        if (chunks > 1) {
          memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addf, sum,
                                      mm.c, index);
        } else {
          Value old = memref::LoadOp::create(b, loc, mm.c, index);
          memref::StoreOp::create(b, loc,
                                  arith::AddFOp::create(b, loc, old, sum),
                                  mm.c, index);
        }
      }
  }
};
} // namespace
