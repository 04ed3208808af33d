//===- Conv1DLowering.h - Convolution and pooling over sequences -*- C++
//-*-===//
//
// `lathe.conv1d`, `lathe.maxpool1d` and `lathe.avgpool1d` on [batch, time,
// channels] tensors, and their gradients, in linalg on tensors.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_CONV1DLOWERING_H
#define LATHE_LOWERING_CONV1DLOWERING_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// y = conv(pad(x), filter) + bias with `filter` [k, c, f], as the 2-D
/// convolution of an image of one row.
mlir::Value lowerConv1D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value filter, mlir::Value bias, int64_t stride,
                        bool same);

/// The gradients of conv1d: {dx, dfilter, dbias}.
llvm::SmallVector<mlir::Value>
conv1DBackward(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
               mlir::Value filter, mlir::Value dy, int64_t stride, bool same);

/// Max (`max`) or average pooling over windows of `size` steps moved by
/// `stride`: one elementwise loop over the output reading the window.
mlir::Value lowerPool1D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        int64_t size, int64_t stride, bool max);

/// Their gradients: each window's to its first maximum (PyTorch's choice on
/// ties), or spread evenly over it; zeros where no window reaches, sums
/// where windows overlap (stride < size).
mlir::Value pool1DBackward(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value dy, int64_t size,
                           int64_t stride, bool max);

} // namespace lathe

#endif
