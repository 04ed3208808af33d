//===- RecurrentLowering.h - Embedding, LSTM and dropout --------*- C++ -*-===//
//
// The text layers in linalg, tensor and scf. The LSTM is one `scf.for` over
// time whose body is one matmul and one fused cell; its backward pass is a
// second loop running backwards over the activations the first one saved,
// so neither compile time nor code size depends on the sequence length.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_RECURRENTLOWERING_H
#define LATHE_LOWERING_RECURRENTLOWERING_H

#include "compiler/lowering/RecurrentParts.h"
#include "mlir/IR/Builders.h"

namespace lathe {

/// out[b, l, :] = table[ids[b, l], :]; ids outside [0, vocab) read row 0.
mlir::Value lowerEmbedding(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value ids, mlir::Value table);

/// The table's gradient: dy rows scatter-added at their ids (a loop over the
/// tokens, not a dense product); row 0, the padding, gets none.
mlir::Value embeddingBackward(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value ids, mlir::Value table,
                              mlir::Value dy);

/// [B, T] f32 from ids [B, T]: 1 where the id is not 0, 0 where it is.
mlir::Value lowerSequenceMask(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value ids);

/// `v` times the inverted-dropout mask of (seed, stream) — the forward pass
/// applies it to x, the backward pass to dy.
mlir::Value applyDropoutMask(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value v, mlir::Value seed, int64_t stream,
                             double rate);

/// What the forward loop of an LSTM leaves for its backward loop, all time
/// major: pre-activations z [T, B, 4U], cell states c [T+1, B, U] and hidden
/// states h [T+1, B, U] (index 0 is the zero initial state), and the inputs
/// as [T*B, F].
struct LSTMForward {
  mlir::Value out, z, c, h, xFlat;
};

/// Keras's LSTM (gates i, f, c, o; sigmoid gates, tanh cell): the last
/// hidden state [B, U], or all of them [B, T, U] with `returnSequences`.
LSTMForward lowerLSTM(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      mlir::Value kernel, mlir::Value recurrent,
                      mlir::Value bias, SequenceMode mode);

/// Backpropagation through time: {dx, dkernel, drecurrent, dbias}.
llvm::SmallVector<mlir::Value>
lstmBackward(mlir::OpBuilder &b, mlir::Location loc, const LSTMForward &fwd,
             mlir::Value x, mlir::Value kernel, mlir::Value recurrent,
             mlir::Value dy, SequenceMode mode);

} // namespace lathe

#endif
