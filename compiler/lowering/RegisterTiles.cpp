//===- RegisterTiles.cpp - Tile sizes and tiling for register kernels -----===//
#include "compiler/lowering/RegisterTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

bool lathe::matmulReadsAt(linalg::GenericOp op, unsigned i, unsigned a,
                          unsigned b) {
  MLIRContext *ctx = op.getContext();
  return op.getIndexingMapsArray()[i] ==
         AffineMap::get(3, 0, {getAffineDimExpr(a, ctx), getAffineDimExpr(b, ctx)},
                        ctx);
}

Value lathe::broadcastOfLast(Value v, unsigned rank) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != rank || g.getNumReductionLoops() != 0)
    return {};
  MLIRContext *ctx = g.getContext();
  auto maps = g.getIndexingMapsArray();
  Block &body = g.getRegion().front();
  if (maps[0] != AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx) ||
      !maps[1].isIdentity() || body.getOperations().size() != 1 ||
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] != body.getArgument(0))
    return {};
  return g.getDpsInputs()[0];
}

bool lathe::isTranspose(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 2 || op.getNumReductionLoops() != 0)
    return false;
  auto maps = op.getIndexingMapsArray();
  AffineMap swapped =
      AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, op.getContext());
  if (maps[0] != swapped || !maps[1].isIdentity())
    return false;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return body.getOperations().size() == 1 &&
         yield.getValues()[0] == body.getArgument(0);
}

Value lathe::offsetIn(OpBuilder &b, Location loc, Value tile, Value base,
                      unsigned dim) {
  Value offset = arith::ConstantIndexOp::create(b, loc, 0);
  while (tile != base) {
    if (auto slice = tile.getDefiningOp<tensor::ExtractSliceOp>()) {
      offset = arith::AddIOp::create(
          b, loc, offset,
          getValueOrCreateConstantIndexOp(b, loc, slice.getMixedOffsets()[dim]));
      tile = slice.getSource();
      continue;
    }
    auto arg = dyn_cast<BlockArgument>(tile);
    if (!arg)
      return offset;
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner)) {
      if (OpOperand *init = loop.getTiedLoopInit(arg)) {
        tile = init->get();
        continue;
      }
    } else if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
      if (OpOperand *init = forall.getTiedOpOperand(arg)) {
        tile = init->get();
        continue;
      }
    }
    return offset;
  }
  return offset;
}
