//===- TensorBuilders.h - Small linalg-on-tensors vocabulary ----*- C++ -*-===//
//
// The forward lowering of Lathe ops and the gradient rules of autodiff both
// speak in these few structured ops (maps, contractions, reductions), so
// every kernel the compiler produces is a linalg op that later passes can
// fuse, tile and vectorize.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_TENSORBUILDERS_H
#define LATHE_LOWERING_TENSORBUILDERS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace lathe::tb {

using Body = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                            mlir::ValueRange)>;

llvm::ArrayRef<int64_t> shapeOf(mlir::Value v);
mlir::Value f32(mlir::OpBuilder &b, mlir::Location loc, double v);

/// Scalar f32 arithmetic, for op bodies.
mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value sub(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value mul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value div(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
/// x / y where y is finite and far from zero (an optimizer's denominator):
/// may become a reciprocal estimate refined by a Newton step (`arcp ninf`;
/// within 2 ulp, about 4x the throughput of a divide on AVX-512).
mlir::Value divByFinite(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y);
/// For a masked sequence (`mask_zero`), per step: `v` where the step's
/// mask `m` is one, `kept` where it is padding (0). A select, so the kept
/// value passes exactly.
mlir::Value stepOrKeep(mlir::OpBuilder &b, mlir::Location loc, mlir::Value m,
                       mlir::Value v, mlir::Value kept);

/// A tensor of `shape` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   llvm::ArrayRef<int64_t> shape, double value);

/// out[outMap] = body(inputs[inMaps]..., out[outMap]) over `iters`.
mlir::Value generic(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::ValueRange inputs,
                    llvm::ArrayRef<mlir::AffineMap> inMaps, mlir::Value init,
                    mlir::AffineMap outMap,
                    llvm::ArrayRef<mlir::utils::IteratorType> iters, Body body);

/// Elementwise over inputs of one shape; `body` gets one scalar per input.
mlir::Value map(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange xs,
                Body body);

/// Elementwise over inputs of one shape with `n` results of that shape, in
/// one loop; `body` gets one scalar per input and returns `n` values.
llvm::SmallVector<mlir::Value>
mapN(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange xs, unsigned n,
     llvm::function_ref<llvm::SmallVector<mlir::Value>(
         mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>
         body);

/// `a` [.., n] combined with `v` [..] broadcast along the last dimension.
mlir::Value mapWithLast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                        mlir::Value v, Body body);

/// `a` [r, c] combined with `v` [c] broadcast along the rows.
mlir::Value mapWithRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                       mlir::Value v, Body body);

/// xᵀ of a 2-D tensor, materialized.
mlir::Value transposed(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// op(A) · op(B), where op transposes when asked; accumulates into `init`
/// (zeros when null).
mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                   mlir::Value bm, bool transA, bool transB,
                   mlir::Value init = {});

/// Reduces the last dimension: [.., n] -> [..], starting from `initValue`.
mlir::Value reduceLast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       double initValue, Body combine);

/// Sums the first dimension: [r, ...] -> [...].
mlir::Value sumFirst(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// Sums every element into a 0-d tensor.
mlir::Value sumAll(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// Sums the squares of every element into a 0-d tensor.
mlir::Value sumSquares(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// Reads a 0-d tensor or one element of a 1-d tensor as a scalar.
mlir::Value scalarAt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t,
                     int64_t index = -1);

/// Wraps a scalar into a 0-d tensor.
mlir::Value toTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value s);

/// Elementwise over inputs of one shape [B, ...] with `v` [B] broadcast
/// along every dimension but the first; `body` gets xs..., v.
mlir::Value mapWithFirst(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::ValueRange xs, mlir::Value v, Body body);

/// Reshapes `v` to `shape` (same element count, same leading dimension).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<int64_t> shape);

/// Static sizes, offsets or strides of a slice.
llvm::SmallVector<mlir::OpFoldResult>
indexAttrs(mlir::OpBuilder &b, llvm::ArrayRef<int64_t> values);

/// `dest` (by default a new tensor) with `parts`, which differ from it only
/// in their last dimension, side by side in that dimension: one copy per
/// part, each made after the previous insert so that each is computed in
/// place.
mlir::Value concatLast(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::ValueRange parts, mlir::Value dest = {});

/// Elements [offset, offset + size) of the last dimension of `x`.
mlir::Value sliceLast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      int64_t offset, int64_t size);

/// Per-sample weights of a batch mean: `scale * mask[i] / max(sum(mask), 1)`,
/// or `scale / batch` without a mask. `scale` is an f32 scalar.
mlir::Value sampleWeights(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value mask, int64_t batch, mlir::Value scale);

} // namespace lathe::tb

#endif
