//===- VectorizeMatmul.cpp - Register tiles for the matmuls ---------------===//
//
// The tile of C stays in registers across the whole reduction: tiles are
// (mt x nt) with mt <= 8 rows (12 when that is all of them, or for many
// rows over a long reduction) and nt <= 32 columns (two 512-bit vectors),
// the reduction loop is innermost with step 1, so each step is mt broadcasts of
// A, nt/16 loads of B and mt*nt/16 FMAs. Tile sizes divide the shape (no
// partial tiles, no masks); narrow outputs (10 classes, 1 logit) get narrow
// tiles. A reduction whose rows span more than the L2 cache is cut into
// blocks first (kReductionBlockBytes); when C starts as zeros, the first
// block is split off so that its tiles start from zeros in registers. A
// wide B read by many row tiles is packed, per block, into tile columns
// that each tile reads contiguously.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/RegisterTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEVECTORIZEMATMUL
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using lathe::tileFor;

namespace {
/// Multiply-adds per row of C from which a matmul's row blocks run on
/// several threads: below it, starting the threads costs more than they
/// save. Per row, not in all, so that the choice does not depend on how
/// many rows there are: an LSTM's matmuls over all time steps get the same
/// code at any sequence length.
constexpr int64_t kParallelRowWork = int64_t(1) << 14;
/// And row blocks from which they do: a batch of 32 is four blocks, two per
/// thread on two cores, and its matmuls (an MLP's, a dense layer's) ran
/// slower on two threads than on one (MLP 0.65x). The rows of the matmuls
/// over an LSTM's time steps are features or units, not steps.
constexpr int64_t kParallelRowBlocks = 16;

/// Bytes of A and B that one block of the reduction may span. Each row of
/// C's tiles sweeps its whole reduction: when the rows of B (or of A, read
/// transposed, one row of it per step) it sweeps over span more than the
/// L2 cache and its TLB hold, every sweep goes to memory and most steps to
/// a page walk. The reduction is then cut into blocks of rows that fit,
/// the matmul running once per block and adding into C.
constexpr int64_t kReductionBlockBytes = int64_t(1) << 20;

/// Bytes of B that one block of columns of a reduction block may span.
constexpr int64_t kColumnBlockBytes = int64_t(512) << 10;

/// With the reduction cut into blocks of `kc` rows, the columns of a wide
/// C (at least 256) are cut too, into blocks of B of kColumnBlockBytes at
/// most: the row tiles of C then sweep a block of B that stays in L2 while
/// the previous one is evicted (1024^3 ~20% faster). Blocks are a multiple
/// of the tile width `nt` and divide `n`; `n` itself: none.
int64_t columnBlock(int64_t kc, int64_t n, int64_t nt) {
  if (n < 256)
    return n;
  for (int64_t c = n; c >= nt; c -= nt)
    if (n % c == 0 && c % nt == 0 && kc * c * 4 <= kColumnBlockBytes)
      return c;
  return n;
}

/// Where to split a matmul's columns (loop 2) so that each piece has a
/// width its register tiles handle well (0: none). A tile row of more than
/// 16 columns that is not a multiple of 16 (a 5x5 kernel's 25) is an odd
/// vector that LLVM widens, splits, scalarizes and spills: the DCGAN's
/// 12544 x 64 x 25 matmuls ran at 3 GFLOP/s. Split into a multiple of 16
/// and the rest (25: 16 + 9), each piece is a matmul of its own; up to 16
/// columns (10 classes) are one vector register, padded.
int64_t columnSplit(int64_t n) { return n > 16 && n % 16 ? n - n % 16 : 0; }

/// Whether a matmul of these sizes gets row tiles of 12 (24 accumulators)
/// rather than 8 (16): many rows and a long reduction, over which more
/// independent FMAs keep both FMA units busier (on an Intel Xeon,
/// 504x512x512 at 83% of the FMA peak with tiles of 12 rows, 512^3 at 77%
/// with tiles of 8). Short reductions (a weight gradient over a batch of
/// 32) keep 8: there each tile's C is read and written for few FMAs, and
/// tiles of 12 or 14 rows made the MLP 3% slower.
bool wideRowTiles(int64_t m, int64_t k) { return m >= 96 && k >= 256; }

/// Where to split a matmul's rows (loop 0; 0: none): more rows than fit the
/// registers (12) with no row tile among 8, 6, 4, 3, 2 dividing them (25,
/// a weight gradient's rows for a 5x5 kernel) would get one-row tiles, two
/// accumulators waiting on each other's FMAs. Split into a multiple of 8
/// and the rest. Rows for tiles of 12 (wideRowTiles) are split into a
/// multiple of 12 and a rest that tiles of 8 divide where one does (1024:
/// 1008 + 16; 512: 504 + 8).
int64_t rowSplit(int64_t m, int64_t k) {
  if (wideRowTiles(m, k)) {
    int64_t rest = m % 12;
    if (rest % 8 && (rest + 12) % 8 == 0 && m > rest + 12)
      rest += 12;
    return rest ? m - rest : 0;
  }
  if (m <= 12 || m % 8 == 0 || m % 6 == 0 || m % 4 == 0 || m % 3 == 0 ||
      m % 2 == 0)
    return 0;
  return m - m % 8;
}

/// Splits each of `ops` (static matmuls) by columnSplit and rowSplit until
/// every piece has good widths; returns the pieces.
SmallVector<linalg::GenericOp> splitAwkwardShapes(RewriterBase &rewriter,
                                                  ArrayRef<linalg::GenericOp> ops) {
  SmallVector<linalg::GenericOp> done, work(ops.begin(), ops.end());
  while (!work.empty()) {
    linalg::GenericOp op = work.pop_back_val();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t at = 0;
    unsigned dim = 0;
    if (!llvm::any_of(ranges, ShapedType::isDynamic)) {
      if ((at = columnSplit(ranges[2])))
        dim = 2;
      else if ((at = rowSplit(ranges[0], ranges[1])))
        dim = 0;
    }
    if (!at) {
      done.push_back(op);
      continue;
    }
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    rewriter.setInsertionPoint(op);
    auto [first, second] =
        linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                        dim, rewriter.getIndexAttr(at));
    SmallVector<tensor::InsertSliceOp> intoFill;
    for (TilingInterface piece : {first, second}) {
      auto g = dyn_cast_or_null<linalg::GenericOp>(piece.getOperation());
      if (!g)
        continue;
      // C starting as a fill: each piece starts from a fill of its own,
      // which the register tiles then take as their first value (and the
      // first reduction block split off, below), instead of reading a
      // slice of C filled in memory.
      // (The second piece's slice is of C with the first piece inserted,
      // at rows the first does not write.)
      auto slice = g.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
      Value source = slice ? slice.getSource() : Value();
      while (auto insert = source ? source.getDefiningOp<tensor::InsertSliceOp>()
                                  : tensor::InsertSliceOp())
        source = insert.getDest();
      if (fill && source == fill.getResult(0)) {
        rewriter.setInsertionPoint(g);
        auto type = cast<RankedTensorType>(slice.getType());
        Value empty = tensor::EmptyOp::create(rewriter, g.getLoc(), type.getShape(),
                                              type.getElementType());
        g.getDpsInitsMutable()[0].assign(
            linalg::FillOp::create(rewriter, g.getLoc(), fill.getInputs()[0], empty)
                .getResult(0));
        for (Operation *user : g->getUsers())
          if (auto insert = dyn_cast<tensor::InsertSliceOp>(user))
            if (insert.getDest() == fill.getResult(0))
              intoFill.push_back(insert);
      }
      work.push_back(g);
    }
    // The pieces cover all of C: the insert of a piece into the fill needs
    // no filled destination (rewired once both pieces start from fills of
    // their own).
    for (tensor::InsertSliceOp insert : intoFill)
      insert.getDestMutable().assign(fill.getOutputs()[0]);
  }
  return done;
}

/// Rows of C from which B is packed, and columns of B from which its rows
/// lie far enough apart to need it. Packed, a tile column of B (its `nt`
/// columns over the reduction block) is one contiguous run that the
/// prefetcher streams and the L1 cache keeps whole; unpacked, its rows are
/// a row of B apart, all in the same few L1 sets (1024^3: rows 4 KiB
/// apart). The copy costs one pass over B, repaid by each of the m / mt row
/// tiles that read it: not worth it for a batch of 32. Nor for a short
/// reduction (an LSTM's 32 inputs), whose few rows of B the cache holds
/// unpacked (measured: no gain).
constexpr int64_t kPackRows = 128;
constexpr int64_t kPackColumns = 256;
constexpr int64_t kPackDepth = 64;

/// A result of at most this many bytes is cheap to read and write once per
/// reduction block (it stays in L1 or L2), so its reduction is cut into
/// blocks of kSmallResultBlockBytes: every row tile of C sweeps the block's
/// rows of B, and with few row tiles and a long reduction (an LSTM's weight
/// gradients over all time steps, 32 x 3200 x 128; a dense layer over a
/// CNN's 5408 features) a 1-2 MB block went back to L3 between sweeps
/// (32 x 3200 x 128 at 35-40% of the FMA peak, in 256 KB blocks 50-60%).
constexpr int64_t kSmallResultBytes = int64_t(256) << 10;
constexpr int64_t kSmallResultBlockBytes = int64_t(256) << 10;

/// Reductions up to this many rows are never cut into blocks: with C as
/// wide as B's rows (a dense layer to 6272 units over 100 inputs), blocks
/// of 25 rows read and wrote all of C (1.6 MB) four times for 80 MFLOP.
/// Their B's columns are cut instead (below).
constexpr int64_t kShortReduction = 128;

/// The reduction block for a matmul of these sizes (`k` itself: none):
/// the largest divisor of `k` whose rows of B, and of A when it is read
/// transposed, fit kReductionBlockBytes (kSmallResultBlockBytes for a small
/// C); at least 16 rows.
int64_t reductionBlock(int64_t m, int64_t k, int64_t n, bool transposedA) {
  if (k <= kShortReduction)
    return k;
  int64_t rowBytes = 4 * (n + (transposedA ? m : 0));
  bool smallC = 4 * m * n <= kSmallResultBytes;
  int64_t blockBytes = smallC ? kSmallResultBlockBytes : kReductionBlockBytes;
  if (k * rowBytes <= 2 * blockBytes)
    return k;
  for (int64_t kc = blockBytes / rowBytes; kc >= 16; --kc)
    if (k % kc == 0)
      return kc;
  return k;
}

/// Whether the matmul reads A as (k, i): a weight gradient.
bool readsATransposed(linalg::GenericOp op) { return lathe::matmulReadsAt(op, 0, 1, 0); }

/// The reduction block a piece split off a matmul keeps (an i64 attribute).
constexpr llvm::StringLiteral kBlockAttr = "lathe.reduction_block";

/// `v` read through extract_slice ops that take all of their source.
Value throughWholeSlices(Value v) {
  while (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (slice.getSourceType() != slice.getResultType() ||
        !llvm::all_of(slice.getMixedOffsets(),
                      [](OpFoldResult o) { return isZeroInteger(o); }))
      break;
    v = slice.getSource();
  }
  return v;
}

/// Reduction blocks up to which the first one is split off (below).
/// With more, it saves too small a part of the passes over C to pay for
/// the code of a second matmul (the DCGAN's weight gradients, 28 blocks:
/// 0.05 s more JIT for no measured speed).
constexpr int64_t kMaxBlocksToSplitFirst = 4;

/// Splits off the first reduction block of each of `ops` whose C starts as
/// a constant (zeros) and whose reduction is cut into a few blocks: that
/// block's tiles then start from the constant in registers, where C would
/// be filled in memory first and read back by every tile of the first block
/// (1024^3: a 4 MB fill and one of four passes over C). Returns the ops,
/// split ones replaced by their two pieces.
SmallVector<linalg::GenericOp>
splitFirstReductionBlock(RewriterBase &rewriter,
                         ArrayRef<linalg::GenericOp> ops) {
  SmallVector<linalg::GenericOp> out;
  for (linalg::GenericOp op : ops) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    int64_t kc = llvm::any_of(ranges, ShapedType::isDynamic)
                     ? 0
                     : reductionBlock(ranges[0], ranges[1], ranges[2],
                                      readsATransposed(op));
    if (!fill || !kc || kc == ranges[1] ||
        ranges[1] / kc > kMaxBlocksToSplitFirst) {
      out.push_back(op);
      continue;
    }
    rewriter.setInsertionPoint(op);
    auto [first, second] =
        linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), 1,
                        rewriter.getIndexAttr(kc));
    auto a = dyn_cast_or_null<linalg::GenericOp>(first.getOperation());
    auto b = dyn_cast_or_null<linalg::GenericOp>(second.getOperation());
    if (!a || !b) {
      for (TilingInterface piece : {first, second})
        if (auto g = dyn_cast_or_null<linalg::GenericOp>(piece.getOperation()))
          out.push_back(g);
      continue;
    }
    // The first piece's C is the whole fill, read through a whole slice.
    Value init = throughWholeSlices(a.getDpsInits()[0]);
    if (init.getType() == a.getDpsInits()[0].getType())
      rewriter.modifyOpInPlace(a, [&] { a.getDpsInitsMutable()[0].assign(init); });
    // Both keep the blocks of the whole: the rest's own shorter reduction
    // might otherwise be left whole or cut into other blocks, and the
    // first keeps the whole's column blocks.
    for (linalg::GenericOp piece : {a, b})
      piece->setAttr(kBlockAttr, rewriter.getI64IntegerAttr(kc));
    out.push_back(a);
    out.push_back(b);
  }
  return out;
}

/// B (`kc` x `nc`, read as (k, j)) copied into tile order: `nc / nt` tile
/// columns of `kc` x `nt`, each contiguous.
Value packColumns(OpBuilder &b, Location loc, Value bBlock, int64_t nt) {
  auto type = cast<RankedTensorType>(bBlock.getType());
  int64_t kc = type.getDimSize(0), nc = type.getDimSize(1);
  Type f = type.getElementType();
  Value split = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({kc, nc / nt, nt}, f), bBlock,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value empty = tensor::EmptyOp::create(b, loc, {nc / nt, kc, nt}, f);
  return linalg::TransposeOp::create(b, loc, split, empty,
                                     ArrayRef<int64_t>{1, 0, 2})
      ->getResult(0);
}

/// Points the register tile `op`'s read of B (a 1 x nt slice at (k, j) of
/// the block) at the same values in `packed`.
LogicalResult readPacked(RewriterBase &rewriter, linalg::LinalgOp op,
                         Value packed, int64_t nt) {
  OpOperand &operand = op->getOpOperand(1);
  auto slice = operand.get().getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getMixedOffsets().size() != 2)
    return failure();
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> at = slice.getMixedOffsets();
  Value j = getValueOrCreateConstantIndexOp(rewriter, loc, at[1]);
  Value column = arith::DivUIOp::create(
      rewriter, loc, j, arith::ConstantIndexOp::create(rewriter, loc, nt));
  auto type = cast<RankedTensorType>(slice.getType());
  if (type.getShape() != ArrayRef<int64_t>{1, nt})
    return failure();
  Value read = tensor::ExtractSliceOp::create(
      rewriter, loc, type, packed,
      ArrayRef<OpFoldResult>{column, at[0], rewriter.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                             rewriter.getIndexAttr(nt)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                             rewriter.getIndexAttr(1)});
  rewriter.modifyOpInPlace(op, [&] { operand.set(read); });
  return success();
}

/// Replaces `op` (static shapes) with vector ops; contractions stay
/// vector.contract.
LogicalResult vectorizeOp(RewriterBase &rewriter, Operation *op) {
  FailureOr<linalg::VectorizationResult> vec = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*scalableDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(vec))
    return failure();
  rewriter.replaceOp(op, vec->replacements);
  return success();
}

struct VectorizeMatmulPass
    : lathe::impl::LatheVectorizeMatmulBase<VectorizeMatmulPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("lathe.matmul") && op.getNumLoops() == 3 &&
          op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    ops = splitFirstReductionBlock(rewriter, splitAwkwardShapes(rewriter, ops));
    int64_t seedsExpected = 0, seedsPlaced = 0;
    // By the index a k loop's attribute holds: the bias, and the C its
    // columns are counted in.
    struct Bias {
      Value bias, c;
      SmallVector<OpFoldResult> offsets; // of the columns in `bias` (slices')
      OpFoldResult row; // a row of a 2-D bias (a GRU's): its index, or null
    };
    SmallVector<Bias> biases;
    for (linalg::GenericOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t m = ranges[0], n = ranges[2];
      // Up to 12 rows fit the registers (12 x 2 accumulators of the 32).
      int64_t mt = wideRowTiles(m, ranges[1]) && m % 12 == 0
                       ? 12
                       : tileFor(m, 12, {8, 6, 4, 3, 2});
      int64_t nt = tileFor(n, 32, {32, 16, 8, 4, 2});
      // What the code below asks of `op`, read before tiling replaces it.
      Location opLoc = op.getLoc();
      bool inForall = op->getParentOfType<scf::ForallOp>() != nullptr;
      bool plainB = lathe::matmulReadsAt(op, 1, 1, 2); // B as (k, j)
      int64_t kc = reductionBlock(m, ranges[1], n, readsATransposed(op));
      bool splitOff = false;
      if (auto block = op->getAttrOfType<IntegerAttr>(kBlockAttr)) {
        kc = block.getInt();
        splitOff = true;
        op->removeAttr(kBlockAttr);
      }
      rewriter.setInsertionPoint(op);
      // C starting as a constant (zeros): let the tiles start from that
      // constant in registers and leave C uninitialized, instead of filling
      // all of it in memory first.
      std::optional<double> seed;
      auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
      // (With one reduction step the k loop folds away and nothing could
      // carry the seed.)
      if (fill && kc > 1 && kc == ranges[1]) {
        auto cst = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
        if (auto f = cst ? dyn_cast<FloatAttr>(cst.getValue()) : FloatAttr()) {
          seed = f.getValueAsDouble();
          op.getDpsInitsMutable()[0].assign(fill.getOutputs()[0]);
        }
      }
      // C starting as a bias broadcast over its rows: the tiles start from
      // the bias's slice in registers and the broadcast is never written.
      Value init = op.getDpsInits()[0];
      Value bias =
          kc > 1 && kc == ranges[1] ? lathe::broadcastOfLast(init, 2) : Value();
      if (bias) {
        Value c = init.getDefiningOp<linalg::GenericOp>().getDpsInits()[0];
        // A static slice of a bias (a part of a layer cut by lathe-partition)
        // is read from its source, which outlives the broadcast; so is a
        // row of a 2-D bias (a GRU's), from that row.
        SmallVector<OpFoldResult> offsets;
        OpFoldResult row;
        while (auto slice = bias.getDefiningOp<tensor::ExtractSliceOp>()) {
          int64_t rank = slice.getSourceType().getRank();
          if (!slice.hasUnitStride() || row || rank > 2 ||
              (rank == 2 && slice.getResultType().getRank() != 1))
            break;
          offsets.push_back(slice.getMixedOffsets().back());
          if (rank == 2)
            row = slice.getMixedOffsets()[0];
          bias = slice.getSource();
        }
        biases.push_back({bias, c, offsets, row});
        op.getDpsInitsMutable()[0].assign(c);
      }
      Operation *target = op;
      // (The first block split off a blocked reduction keeps its column
      // blocks too.) A short reduction is not cut; where its rows of B
      // are wide, their columns are, so that the row tiles sweep a block
      // of B that stays in L2.
      bool wideShortB = kc == ranges[1] && kc <= kShortReduction &&
                        4 * kc * n > kColumnBlockBytes && m / mt >= 2;
      int64_t nc = kc < ranges[1] || splitOff || wideShortB ? columnBlock(kc, n, nt) : n;
      if (kc < ranges[1] || nc < n) { // column blocks outermost, then k blocks
        auto blocks = lathe::tileOp(rewriter, target,
                           {0, kc < ranges[1] ? kc : 0, nc < n ? nc : 0},
                           {2, 1, 0});
        if (failed(blocks))
          continue;
        target = blocks->tiledOps.back();
      }
      // B read as (k, j), wide, and read by enough row tiles: packed.
      Value packed;
      if (m >= kPackRows && nc >= kPackColumns && kc >= kPackDepth &&
          nt == 32 && plainB) {
        rewriter.setInsertionPoint(target);
        packed = packColumns(rewriter, target->getLoc(),
                             cast<linalg::LinalgOp>(target).getDpsInputs()[1],
                             nt);
        // The copy, one row of a tile column (two vectors) at a time, all
        // tile columns of a row of B before the next row: B is read in
        // order, where reading down a tile column, each row 128 bytes of a
        // row of B apart (4 KiB at 1024^3), keeps hitting the same L1 sets
        // (1024^3 ~3% faster).
        auto rows = lathe::tileOp(rewriter, packed.getDefiningOp(), {1, 1, 0}, {1, 0, 2});
        if (failed(rows) ||
            failed(vectorizeOp(rewriter, rows->tiledOps.back()))) {
          mlir::emitError(opLoc, "matmul could not pack its B");
          return signalPassFailure();
        }
        packed = rows->replacements[0];
      }
      // Enough work for threads: the row blocks become an scf.forall (later
      // OpenMP's parallel loop), each block's tiles are done as below.
      int64_t k = ranges[1];
      // (Not inside a step's parts: there each thread has its part.)
      if (m / mt >= kParallelRowBlocks && n * k >= kParallelRowWork &&
          !inForall) {
        auto blocks = lathe::tileOp(rewriter, target, {mt, 0, 0}, {},
                           scf::SCFTilingOptions::LoopType::ForallOp);
        if (failed(blocks))
          continue;
        target = blocks->tiledOps.back();
      }
      // Loops i, j, then k innermost.
      auto tiled = lathe::tileOp(rewriter, target, {mt, 1, nt}, {0, 2, 1});
      if (failed(tiled))
        continue;
      Operation *regTile = tiled->tiledOps.back();
      if (packed && failed(readPacked(rewriter, cast<linalg::LinalgOp>(regTile),
                                      packed, nt))) {
        mlir::emitError(opLoc, "matmul tile could not read its packed B");
        return signalPassFailure();
      }
      if (failed(vectorizeOp(rewriter, regTile)))
        continue;
      if (seed || bias)
        ++seedsExpected;
      if (!tiled->loops.empty())
        tiled->loops.back()->setAttr(
            "lathe.k_loop",
            seed   ? Attribute(rewriter.getF32FloatAttr(*seed))
            : bias ? Attribute(rewriter.getI64IntegerAttr(biases.size() - 1))
                   : Attribute(rewriter.getUnitAttr()));
    }
    // Once the full-tile slices are folded away, the k loop reads and
    // writes its C tile through its iteration argument: keep the tile in
    // vector registers across the loop instead.
    RewritePatternSet canon(&getContext());
    for (RegisteredOperationName op : getContext().getRegisteredOperations())
      op.getCanonicalizationPatterns(canon, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(canon))))
      return signalPassFailure();
    SmallVector<scf::ForOp> kLoops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (loop->hasAttr("lathe.k_loop"))
        kLoops.push_back(loop);
    });
    for (scf::ForOp loop : kLoops) {
      auto seed = dyn_cast<FloatAttr>(loop->getAttr("lathe.k_loop"));
      auto biasIndex = dyn_cast<IntegerAttr>(loop->getAttr("lathe.k_loop"));
      loop->removeAttr("lathe.k_loop");
      // The vectorizer keeps `contract` on the multiply only; with it on
      // the add too, LLVM fuses each pair into one FMA.
      loop.walk([](arith::AddFOp add) {
        add.setFastmath(arith::FastMathFlags::contract |
                        arith::FastMathFlags::reassoc);
      });
      LoopLikeOpInterface hoisted = hoistLoopInvariantSubsets(rewriter, loop);
      if (!seed && !biasIndex)
        continue;
      // The tile's first value: the constant, not a read of C (which is
      // left uninitialized). Without the hoisted read, C would be read
      // uninitialized: fail rather than compute garbage.
      bool seeded = false;
      for (OpOperand &init : hoisted.getInitsMutable()) {
        auto read = init.get().getDefiningOp<vector::TransferReadOp>();
        if (!read)
          continue;
        rewriter.setInsertionPoint(read);
        auto type = cast<VectorType>(read.getType());
        Location loc = read.getLoc();
        if (seed) {
          init.assign(arith::ConstantOp::create(
              rewriter, loc,
              DenseElementsAttr::get(
                  type, rewriter.getFloatAttr(type.getElementType(),
                                              seed.getValueAsDouble()))));
        } else {
          // The bias's columns of this tile, broadcast to its rows.
          auto &[bias, c, offsets, biasRow] = biases[biasIndex.getInt()];
          Value first = lathe::offsetIn(rewriter, loc, read.getBase(), c, 1);
          for (OpFoldResult o : offsets)
            first = arith::AddIOp::create(rewriter, loc, first,
                                          getValueOrCreateConstantIndexOp(rewriter, loc, o));
          Value col = arith::AddIOp::create(
              rewriter, loc, first,
              read.getIndices().back());
          auto row = VectorType::get({type.getShape().back()},
                                     type.getElementType());
          Value pad = arith::ConstantOp::create(
              rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
          SmallVector<Value> at{col};
          if (biasRow)
            at.insert(at.begin(), getValueOrCreateConstantIndexOp(
                                      rewriter, loc, biasRow));
          AffineMap last = AffineMap::get(
              at.size(), 0, rewriter.getAffineDimExpr(at.size() - 1));
          Value slice = vector::TransferReadOp::create(
              rewriter, loc, row, bias, at, pad, last, ArrayRef<bool>{true});
          init.assign(vector::BroadcastOp::create(rewriter, loc, type, slice));
        }
        seeded = true;
      }
      if (!seeded) {
        loop.emitError("matmul tile not kept in registers");
        return signalPassFailure();
      }
      ++seedsPlaced;
    }
    if (seedsPlaced != seedsExpected) {
      getOperation()->emitError("a matmul left its result uninitialized");
      return signalPassFailure();
    }
  }
};
} // namespace
