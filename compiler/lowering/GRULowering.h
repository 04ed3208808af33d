//===- GRULowering.h - The gated recurrent unit -----------------*- C++ -*-===//
//
// Keras's GRU with reset_after (PyTorch's nn.GRU), lowered as the LSTM is:
// one `scf.for` over time whose body is one matmul and one fused cell, and
// a backward loop over the saved activations.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_GRULOWERING_H
#define LATHE_LOWERING_GRULOWERING_H

#include "compiler/lowering/RecurrentParts.h"
#include "mlir/IR/Builders.h"

namespace lathe {

/// What the forward loop of a GRU leaves for its backward loop, all time
/// major: the input's products with the kernel plus the input bias, xz
/// [T, B, 3U], the state's with the recurrent kernel plus the recurrent
/// bias, hz [T, B, 3U], the hidden states h [T+1, B, U] (index 0 is the
/// zero initial state), and the inputs as [T*B, F].
struct GRUForward {
  mlir::Value out, xz, hz, h, xFlat;
};

/// The last hidden state [B, U], or all of them [B, T, U] with
/// `returnSequences`. Gates z, r, n; `bias` is [2, 3U] (input, recurrent).
GRUForward lowerGRU(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    mlir::Value kernel, mlir::Value recurrent, mlir::Value bias,
                    SequenceMode mode);

/// Backpropagation through time: {dx, dkernel, drecurrent, dbias}.
llvm::SmallVector<mlir::Value>
gruBackward(mlir::OpBuilder &b, mlir::Location loc, const GRUForward &fwd,
            mlir::Value x, mlir::Value kernel, mlir::Value recurrent,
            mlir::Value dy, SequenceMode mode);

} // namespace lathe

#endif
