//===- LossTargets.h - Cross-entropy targets with label smoothing -*- C++ -*-===//
//
// The loss and its gradient both read a class target through these, so the
// two agree on what label smoothing makes of it.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_LOSSTARGETS_H
#define LATHE_LOWERING_LOSSTARGETS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/APFloat.h"

namespace lathe {

/// q = (1 - e) t + e / classes: the target of a cross-entropy with label
/// smoothing e (Keras' and PyTorch's).
struct SmoothedTarget {
  double keep, spread;
  SmoothedTarget(const llvm::APFloat &e, int64_t classes)
      : keep(1 - e.convertToDouble()),
        spread(e.convertToDouble() / double(classes)) {}

  mlir::Value constant(mlir::OpBuilder &b, mlir::Location l, double v) const {
    return mlir::arith::ConstantOp::create(b, l, b.getF32FloatAttr(float(v)));
  }
  /// q of a target value t (a one-hot row's element).
  mlir::Value of(mlir::OpBuilder &b, mlir::Location l, mlir::Value t) const {
    if (spread == 0)
      return t;
    mlir::Value kept =
        mlir::arith::MulFOp::create(b, l, t, constant(b, l, keep));
    return mlir::arith::AddFOp::create(b, l, kept, constant(b, l, spread));
  }
  /// q of a class given whether it is the label (i1).
  mlir::Value ofHit(mlir::OpBuilder &b, mlir::Location l,
                    mlir::Value hit) const {
    return mlir::arith::SelectOp::create(b, l, hit,
                                         constant(b, l, keep + spread),
                                         constant(b, l, spread));
  }
};

/// Inside a linalg loop over [batch, classes]: whether the class (loop 1)
/// is the row's i32 `label`.
inline mlir::Value labelHit(mlir::OpBuilder &b, mlir::Location l,
                            mlir::Value label) {
  mlir::Value c = mlir::linalg::IndexOp::create(b, l, 1);
  mlir::Value index =
      mlir::arith::IndexCastOp::create(b, l, b.getIndexType(), label);
  return mlir::arith::CmpIOp::create(b, l, mlir::arith::CmpIPredicate::eq, c,
                                     index);
}

} // namespace lathe

#endif
