//===- ConvLowering.h - Convolution and pooling in linalg -------*- C++ -*-===//
#ifndef LATHE_LOWERING_CONVLOWERING_H
#define LATHE_LOWERING_CONVLOWERING_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// Zero padding of the two spatial dimensions of an NHWC tensor.
struct Pads {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};

/// TensorFlow's "same"/"valid" padding of a `k`-wide window with `stride`.
Pads convPads(int64_t h, int64_t w, int64_t k, int64_t stride, bool same);

/// NHWC `x` zero-padded by `p`.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       const Pads &p);

/// y = conv(pad(x), filter) + bias, as a matmul over im2col rows (on the
/// CPU, lathe-direct-conv reads most shapes through their windows instead).
mlir::Value lowerConv2D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value filter, mlir::Value bias, int64_t stride,
                        bool same);

/// The gradients of conv2d: {dx, dfilter, dbias}.
llvm::SmallVector<mlir::Value> conv2DBackward(mlir::OpBuilder &b,
                                              mlir::Location loc, mlir::Value x,
                                              mlir::Value filter,
                                              mlir::Value dy, int64_t stride,
                                              bool same);

/// The adjoint of a convolution with `filter` [k, k, c, f] of an input of
/// `outShape` padded by `p`: maps dy [n, ho, wo, f] to [n, h, w, c].
mlir::Value transposedConv(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value dy, mlir::Value filter,
                           llvm::ArrayRef<int64_t> outShape, const Pads &p,
                           int64_t stride);

/// Keras's Conv2DTranspose: filter [k, k, out channels, in channels], output
/// `in * stride` ("same") or `(in - 1) * stride + k` ("valid"), plus bias.
mlir::Value lowerConv2DTranspose(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value x, mlir::Value filter,
                                 mlir::Value bias, int64_t stride, bool same);

/// The gradients of conv2d_transpose: {dx, dfilter, dbias}.
llvm::SmallVector<mlir::Value>
conv2DTransposeBackward(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value filter, mlir::Value dy, int64_t stride,
                        bool same);

/// The position in `window` (values in row-major order) of its first
/// maximum, scanning from -inf, as an f32; -1 where every value is NaN.
mlir::Value firstMaxPosition(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange window);

/// Max pooling, one elementwise loop over the output reading the window.
mlir::Value lowerMaxPool(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         int64_t size, int64_t stride);

/// Routes each window's gradient to its first maximum (PyTorch's choice on
/// ties); where windows overlap (stride < size), the shares are added.
mlir::Value maxPoolBackward(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x, mlir::Value dy, int64_t size,
                            int64_t stride);

/// Average pooling: the mean of each window, one elementwise loop over the
/// output reading the window.
mlir::Value lowerAvgPool(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         int64_t size, int64_t stride);

/// Spreads each window's gradient evenly over it (zeros where no window
/// reaches); where windows overlap, the shares are added.
mlir::Value avgPoolBackward(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value x, mlir::Value dy, int64_t size,
                            int64_t stride);

/// [n, h, w, c] (or [n, t, c]) -> [n, c]: the mean over every position;
/// with a mask [n, t] (0 at padding steps), over the other steps (zeros
/// where all are padding).
mlir::Value lowerGlobalAvgPool(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value x, mlir::Value mask = {});

/// dx[n, h, w, c] = dy[n, c] / (h * w), or over t steps; with a mask, over
/// the steps of n that are not padding, and 0 at padding.
mlir::Value globalAvgPoolBackward(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value x, mlir::Value dy,
                                  mlir::Value mask = {});

/// [n, h, w, c] (or [n, t, c]) -> [n, c]: the maximum over every position;
/// with a mask [n, t] (0 at padding steps), over the other steps (zeros
/// where all are padding).
mlir::Value lowerGlobalMaxPool(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value x, mlir::Value mask = {});
/// dy[n, c] at the first maximum of each channel (in row-major order, as a
/// max pooling's; with a mask, the first that is not padding), zeros
/// elsewhere; `max` [n, c] is the forward result.
mlir::Value globalMaxPoolBackward(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value x, mlir::Value max,
                                  mlir::Value dy, mlir::Value mask = {});

} // namespace lathe

#endif
