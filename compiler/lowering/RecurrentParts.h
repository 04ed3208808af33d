//===- RecurrentParts.h - Pieces shared by the recurrent layers -*- C++ -*-===//
//
// The LSTM and the GRU are lowered the same way: time-major tensors whose
// per-step slices are contiguous, one `scf.for` over time whose body is a
// matmul and one elementwise cell, and a backward loop that only produces
// the gates' pre-activation gradients (the weight gradients are then
// matmuls over all steps). These are the pieces both build from.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_RECURRENTPARTS_H
#define LATHE_LOWERING_RECURRENTPARTS_H

#include "mlir/IR/Builders.h"

namespace lathe {
/// How a recurrent layer returns and reads its sequence: all its states or
/// the last, whether from the last step to the first (`reverse`; its
/// states are then still returned in the input's order), and which steps
/// are padding (`mask`, [B, T], 0 for padding; none: no step is).
struct SequenceMode {
  bool returnSequences = false;
  bool reverse = false;
  mlir::Value mask;
};

/// The mode of a `lathe.lstm` or `lathe.gru`.
template <typename RecurrentOp> SequenceMode sequenceMode(RecurrentOp op) {
  return {op.getReturnSequences(), op.getReverse(), op.getMask()};
}
} // namespace lathe

namespace lathe::rec {

using MultiBody = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// 1 / (1 + e^-x), and its derivative s (1 - s) from its value s.
mlir::Value sigmoid(mlir::OpBuilder &b, mlir::Location l, mlir::Value x);
mlir::Value dsigmoid(mlir::OpBuilder &b, mlir::Location l, mlir::Value s);
mlir::Value cidx(mlir::OpBuilder &b, mlir::Location l, int64_t v);

/// The slice `src[i]` of the first dimension, without that dimension.
mlir::Value row(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                mlir::OpFoldResult i);
/// `dest` with `dest[i]` of the first dimension replaced by `v`.
mlir::Value setRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Value dest, mlir::OpFoldResult i);
/// Rows [first, first + count) of the first dimension of a 3-D tensor.
mlir::Value rows(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                 int64_t first, int64_t count);

/// A sequence [B, T, F] time major, [T, B, F], and back; with `reverse`,
/// its steps also reversed (the step t of one is the step T - 1 - t of the
/// other).
mlir::Value timeMajor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      bool reverse);
mlir::Value batchMajor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       bool reverse);
/// A mask [B, T] time major, [T, B], its steps reversed with `reverse`.
mlir::Value timeMajorMask(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value mask, bool reverse);
/// A backward cell's gradients `d` at a padding step (m, the row's mask,
/// 0): zeros for the first `gates` (the gates get none), and `passed` in
/// place of the rest (the states' gradients go on to the step before as
/// they came). At a step, `d` as it is.
void padStepGrads(mlir::OpBuilder &b, mlir::Location loc, mlir::Value m,
                  llvm::MutableArrayRef<mlir::Value> d, unsigned gates,
                  mlir::ValueRange passed);

/// [a, b, c] -> [a*b, c] and back ([a*b, c] -> [first, a*b/first, c]).
mlir::Value collapseLeading(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x);
mlir::Value expandLeading(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          int64_t first);

/// The states [steps + 1, batch, units] of a recurrence: row 0 zeros (the
/// initial state), the rest written by the loop, left unfilled.
mlir::Value initialStates(mlir::OpBuilder &b, mlir::Location loc, int64_t steps,
                          int64_t batch, int64_t units);

/// A recurrent layer's result from its states h [steps + 1, B, U] (in the
/// order the loop wrote them): the last [B, U], or with `returnSequences`
/// all but the initial one, [B, steps, U], in the input's order (zeros at
/// the mode's padding steps).
mlir::Value layerOutput(mlir::OpBuilder &b, mlir::Location loc, mlir::Value h,
                        SequenceMode mode);

/// The gradients that follow from a backward loop's: with dIn [T*B, gates]
/// the pre-activation gradients on the input's side and dState on the
/// state's (an LSTM's are the same), xFlat [T*B, F] and the states h, the
/// input's [B, T, F] (its steps reversed back with `reverse`), the kernel's
/// and the recurrent kernel's.
struct ProductGrads {
  mlir::Value dx, dkernel, drecurrent;
};
ProductGrads productGrads(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value dIn, mlir::Value dState,
                          mlir::Value xFlat, mlir::Value h, mlir::Value kernel,
                          bool reverse);

/// An elementwise generic over [rows, u] tensors with several results; an
/// input of rank 1 is per row ([rows], e.g. a step's mask).
llvm::SmallVector<mlir::Value>
cellGeneric(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange ins,
            mlir::ValueRange outs, MultiBody body);

/// The gates of a [rows, k*u] tensor: k [rows, u] views.
llvm::SmallVector<mlir::Value>
gateSlices(mlir::OpBuilder &b, mlir::Location loc, mlir::Value z, int64_t u);

/// The row blocks of a [k*u, cols] tensor: k [u, cols] views.
llvm::SmallVector<mlir::Value> rowBlocks(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value x, int64_t u);

/// A value and which of its dimensions is the batch.
struct Batched {
  mlir::Value v;
  int64_t dim;
};
using PartBody = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange, mlir::ValueRange)>;

/// `body(ins, outs)` over the whole batch, or, with `parts` > 1, once per
/// part of it: an scf.forall of `parts` iterations (tagged `lathe.parts`,
/// one per thread of the step) in which body gets part p of each of `ins`
/// and `outs` and returns part p of each result, which is written into
/// `outs` in place. The rows of a batch are independent through a
/// recurrence: cut, its loop runs on the threads side by side, computing
/// exactly what it would whole.
llvm::SmallVector<mlir::Value> perBatchPart(mlir::OpBuilder &b,
                                            mlir::Location loc, int64_t parts,
                                            llvm::ArrayRef<Batched> ins,
                                            llvm::ArrayRef<Batched> outs,
                                            PartBody body);

/// Parts of the batch a recurrence is cut into: as many as the module's
/// `lathe.step_parts` (set for the CPU, where a step runs on that many
/// threads) or fewer, so that they divide the batch into parts of at least
/// 8 rows (a register tile's).
int64_t recurrenceParts(mlir::OpBuilder &b, int64_t batch);

} // namespace lathe::rec

#endif
