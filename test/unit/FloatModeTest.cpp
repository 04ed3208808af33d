//===- FloatModeTest.cpp - Subnormals flushed on the compiled code's threads -===//
//
// flushSubnormals, in a program that links LLVM's OpenMP runtime (as
// compiled models do): before it, a product that is subnormal stays so on
// every thread; after it, on the calling thread and on the OpenMP threads
// it forks (which existed before, with the default mode), the product is
// zero and so is a subnormal operand. Run by float-mode.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/FloatMode.h"
#include "runtime/Parallel.h"
#include "runtime/Session.h"
#include "test/unit/Expect.h"

#include <fmt/format.h>
#include <mutex>
#include <vector>

extern "C" int omp_get_thread_num();

using namespace lathe::rt;
using lathe::test::expect;

namespace {
struct Seen {
  int thread;
  bool flushes;
  float product; // 1e-20 * 1e-20: subnormal, or 0 when flushed
  float operand; // a subnormal * 1: itself, or 0 when read as zero
};

std::vector<Seen> onEveryThread() {
  std::vector<Seen> seen;
  std::mutex m;
  volatile float tiny = 1e-20f, subnormal = 1e-40f, one = 1.0f;
  parallelRanges(2, [&](int64_t, int64_t) {
    Seen s{omp_get_thread_num(), flushesSubnormals(), tiny * tiny, subnormal * one};
    std::lock_guard<std::mutex> lock(m);
    seen.push_back(s);
  });
  return seen;
}
} // namespace

int main() {
  setThreads(2);
  std::vector<Seen> before = onEveryThread();
  expect(before.size() == 2, fmt::format("two threads ran: {}", before.size()));
  for (const Seen &s : before)
    expect(!s.flushes && s.product > 0 && s.operand > 0,
           fmt::format("thread {} before: subnormals kept ({}, {})", s.thread,
                       s.product, s.operand));
  flushSubnormals();
  expect(flushesSubnormals(), "the calling thread flushes");
  std::vector<Seen> after = onEveryThread();
  expect(after.size() == 2, fmt::format("two threads ran: {}", after.size()));
  for (const Seen &s : after)
    expect(s.flushes && s.product == 0 && s.operand == 0,
           fmt::format("thread {} after: subnormals flushed ({}, {})", s.thread,
                       s.product, s.operand));
  return lathe::test::summary();
}
