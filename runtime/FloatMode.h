//===- FloatMode.h - How the compiled code's threads treat subnormals -*- C++ -*-===//
#ifndef LATHE_RUNTIME_FLOATMODE_H
#define LATHE_RUNTIME_FLOATMODE_H

namespace lathe::rt {

/// Flushes subnormal floats to zero on the calling thread, as results
/// (FTZ) and as operands (DAZ), before it runs compiled code. Training
/// makes them: Adam's first moment of a weight whose gradient is zero for
/// many steps (a pixel that is background in most images) decays by β₁
/// each step through the subnormal range, and on Intel cores every
/// operation on one takes a microcode assist (the MLP's update ran ten times
/// slower). The threads of the compiled code's parallel regions take the
/// mode of the thread that forks them (LLVM's OpenMP runtime copies it at
/// each fork). No-op where the CPU has no such mode.
void flushSubnormals();

/// Whether this thread flushes subnormals to zero (FTZ and DAZ both set).
bool flushesSubnormals();

} // namespace lathe::rt

#endif
