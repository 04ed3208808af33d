//===- FloatMode.cpp - How the compiled code's threads treat subnormals ---===//
#include "runtime/FloatMode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

namespace {
// MXCSR: flush to zero (results) and denormals are zero (operands).
constexpr unsigned kFlushBits = 0x8000u | 0x0040u;
} // namespace

void lathe::rt::flushSubnormals() { _mm_setcsr(_mm_getcsr() | kFlushBits); }

bool lathe::rt::flushesSubnormals() {
  return (_mm_getcsr() & kFlushBits) == kFlushBits;
}
#elif defined(__aarch64__)
#include <cstdint>

namespace {
constexpr uint64_t kFlushBit = uint64_t(1) << 24; // FPCR.FZ
uint64_t fpcr() {
  uint64_t v;
  asm volatile("mrs %0, fpcr" : "=r"(v));
  return v;
}
} // namespace

void lathe::rt::flushSubnormals() {
  uint64_t v = fpcr() | kFlushBit;
  asm volatile("msr fpcr, %0" : : "r"(v));
}

bool lathe::rt::flushesSubnormals() { return fpcr() & kFlushBit; }
#else
void lathe::rt::flushSubnormals() {}
bool lathe::rt::flushesSubnormals() { return false; }
#endif
