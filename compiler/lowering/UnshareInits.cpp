//===- UnshareInits.cpp - A constant initial tensor per writer ------------===//
//
// One-shot bufferization writes an op's result into the buffer of its
// destination when it can. When one tensor is the destination of two ops
// (CSE merged two equal zero fills: a padded buffer whose interior two
// insert_slices fill, a col2im accumulator and a pad), the second writer
// gets a copy of the first's buffer, made before the first writes: a full
// read and write of a tensor that is only zeros. Where that tensor is a
// constant computed from nothing (a fill of an empty tensor, or the forall
// of parts lathe-partition makes of one), computing it again for each
// writer costs one write and no read. An empty tensor that strided
// insert_slices fill piece by piece (the phases of a strided convolution's
// input gradient) and another op writes too gets one empty tensor per
// frame, so that the pieces are computed in the frame's buffer, not copied
// there. The same for a loop that starts two iteration arguments from one
// constant (an LSTM's states of h and of c).
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEUNSHAREINITS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether `v` is an empty tensor or a constant.
bool isLeaf(Value v) {
  Operation *def = v.getDefiningOp();
  return def && isa<tensor::EmptyOp, arith::ConstantOp>(def) &&
         def->getNumOperands() == 0;
}

/// Whether `op` computes a constant tensor from empty tensors and constants
/// only, without effects: it can be computed again anywhere after them.
/// Also a constant inserted at a static place of an empty tensor (an
/// LSTM's states, zeros in row 0 only): computed again, it gets an empty
/// tensor of its own and shares the constant it inserts, which it only
/// reads.
bool isConstantInit(Operation *op) {
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    Operation *source = insert.getSource().getDefiningOp();
    return isLeaf(insert.getDest()) && insert.getOffsets().empty() &&
           insert.getSizes().empty() && insert.getStrides().empty() &&
           (isLeaf(insert.getSource()) || (source && isConstantInit(source)));
  }
  if (!isa<linalg::FillOp, linalg::GenericOp, scf::ForallOp>(op) ||
      op->getNumResults() != 1 || !isa<RankedTensorType>(op->getResult(0).getType()) ||
      !isMemoryEffectFree(op))
    return false;
  if (!llvm::all_of(op->getOperands(), isLeaf))
    return false;
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegions(), above);
  return llvm::all_of(above, isLeaf);
}

/// Whether `use` writes into the tensor it names: a destination operand, an
/// insert_slice's destination, a forall's shared output, a loop's initial
/// value of an iteration argument (which its body updates in place).
bool writesInto(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto loop = dyn_cast<scf::ForOp>(user))
    return llvm::is_contained(
        llvm::make_pointer_range(loop.getInitArgsMutable()), &use);
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(user))
    return dps.isDpsInit(&use);
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(user))
    return &use == &insert.getDestMutable();
  if (auto forall = dyn_cast<scf::ForallOp>(user))
    return llvm::is_contained(
        llvm::make_pointer_range(forall.getOutputsMutable()), &use);
  return false;
}

/// Gives each strided insert_slice into the empty tensor `empty` but one
/// (when nothing else uses it) an empty tensor of its own: a tensor that
/// strided insert_slices fill piece by piece (a strided convolution's
/// input gradient, phase by phase) is then its own buffer, not one that
/// CSE merged with another op's destination, where the pieces would be
/// computed elsewhere and copied. (Frames of unit-stride pieces, the
/// LSTMs' concatenations, are left: there it added buffers and removed no
/// copy.)
void unshareFrames(tensor::EmptyOp empty) {
  SmallVector<OpOperand *> frames;
  for (OpOperand &use : empty->getUses())
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
        insert && &use == &insert.getDestMutable() && !insert.hasUnitStride())
      frames.push_back(&use);
  size_t first = llvm::range_size(empty->getUses()) == frames.size() ? 1 : 0;
  for (size_t i = first; i < frames.size(); ++i) {
    OpBuilder b(empty);
    frames[i]->set(b.clone(*empty)->getResult(0));
  }
}

struct UnshareInitsPass
    : lathe::impl::LatheUnshareInitsBase<UnshareInitsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp op) {
      if (op->getNumOperands() == 0)
        empties.push_back(op);
    });
    for (tensor::EmptyOp empty : empties)
      unshareFrames(empty);
    SmallVector<Operation *> inits;
    getOperation().walk([&](Operation *op) {
      if (isConstantInit(op))
        inits.push_back(op);
    });
    for (Operation *init : inits) {
      Value result = init->getResult(0);
      SmallVector<OpOperand *> writes;
      unsigned uses = 0;
      for (OpOperand &use : result.getUses()) {
        ++uses;
        if (writesInto(use))
          writes.push_back(&use);
      }
      // The original stays with the readers, or with the first writer when
      // all uses write.
      size_t first = writes.size() == uses ? 1 : 0;
      for (size_t i = first; i < writes.size(); ++i) {
        // Next to the original, so that it dominates what the original
        // does: empty-tensor elimination then lets the producer of an
        // insert_slice's source write straight into this copy (a padded
        // buffer's interior).
        OpBuilder b(init->getContext());
        b.setInsertionPointAfter(init);
        IRMapping map;
        for (Value v : init->getOperands())
          if (v.getDefiningOp<tensor::EmptyOp>() && !map.contains(v))
            map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
        writes[i]->set(b.clone(*init, map)->getResult(0));
      }
    }
  }
};
} // namespace
