//===- LatheDialect.td - The Lathe dialect -----------------*- tablegen -*-===//
#ifndef LATHE_DIALECT_TD
#define LATHE_DIALECT_TD

include "mlir/IR/OpBase.td"

def Lathe_Dialect : Dialect {
  let name = "lathe";
  let cppNamespace = "::lathe";
  let summary = "Layer-level neural network ops of the Lathe model compiler";
  let description = [{
    The `lathe` dialect holds a model as the person wrote it: one op per layer
    (`lathe.dense`, `lathe.conv2d`, `lathe.lstm`, ...), activations and losses,
    all on statically shaped tensors whose leading dimension is the batch.
    Parameters are never constants in the IR: every weight is a function
    argument, so compile time does not grow with the parameter count.
    Training recipes (`lathe.supervised`, `lathe.gan`) name the networks and
    carry the loss, optimizer and training settings of the model file.
  }];
}

class Lathe_Op<string mnemonic, list<Trait> traits = []>
    : Op<Lathe_Dialect, mnemonic, traits>;

#endif // LATHE_DIALECT_TD
