//===- ParallelTest.cpp - Work split over the OpenMP threads -------------===//
//
// parallelRanges, in a program that links LLVM's OpenMP runtime (as
// compiled models do): on two threads the ranges cover [0, n) once, in two
// pieces run by two different threads; on one thread, one range. And
// lathe_barrier, the barrier of compiled steps: over many rounds, what a
// thread wrote before it is what the other reads after it. Run by
// parallel.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/Parallel.h"
#include "runtime/Session.h"
#include "test/unit/Expect.h"

#include <atomic>
#include <fmt/format.h>
#include <mutex>
#include <set>
#include <vector>

extern "C" int omp_get_thread_num();

using namespace lathe::rt;
using lathe::test::expect;

namespace {
struct Piece {
  int64_t begin, end;
  int thread;
};

std::vector<Piece> run(int64_t n) {
  std::vector<Piece> pieces;
  std::mutex m;
  parallelRanges(n, [&](int64_t b, int64_t e) {
    std::lock_guard<std::mutex> lock(m);
    pieces.push_back({b, e, omp_get_thread_num()});
  });
  return pieces;
}

bool coversOnce(const std::vector<Piece> &pieces, int64_t n) {
  std::vector<int> seen(n, 0);
  for (const Piece &p : pieces)
    for (int64_t i = p.begin; i < p.end; ++i)
      if (i < 0 || i >= n || seen[i]++)
        return false;
  for (int s : seen)
    if (s != 1)
      return false;
  return true;
}

/// Rounds in which each of two threads writes its slot, meets the other at
/// the barrier, reads the other's slot, and meets it again before the next
/// write; the reads (two a round) that saw another round's value.
int64_t barrierMisses(int64_t rounds) {
  // Plain (not atomic) slots: the barrier alone must order them.
  volatile int64_t slot[2] = {-1, -1};
  std::atomic<int64_t> misses{0}, threads{0};
  parallelRanges(2, [&](int64_t t, int64_t) {
    threads.fetch_add(1);
    for (int64_t r = 0; r < rounds; ++r) {
      slot[t] = r;
      lathe_barrier();
      if (slot[1 - t] != r)
        misses.fetch_add(1);
      lathe_barrier();
    }
  });
  return threads.load() == 2 ? misses.load() : -1;
}
} // namespace

int main() {
  setThreads(2);
  for (int64_t n : {2, 3, 32, 1001}) {
    std::vector<Piece> pieces = run(n);
    expect(coversOnce(pieces, n), fmt::format("2 threads, n = {}: [0, n) once", n));
    expect(pieces.size() == 2, fmt::format("2 threads, n = {}: {} pieces", n, pieces.size()));
    std::set<int> threads;
    for (const Piece &p : pieces)
      threads.insert(p.thread);
    expect(threads.size() == 2, fmt::format("2 threads, n = {}: run by {} threads", n,
                                            threads.size()));
  }
  int64_t misses = barrierMisses(200000);
  expect(misses == 0, fmt::format("lathe_barrier on 2 threads: {} of 400000 reads saw a "
                                  "stale value (-1: not run on 2 threads)", misses));
  std::vector<Piece> one = run(1);
  expect(one.size() == 1 && one[0].begin == 0 && one[0].end == 1, "n = 1: one range");
  setThreads(1);
  std::vector<Piece> serial = run(100);
  expect(serial.size() == 1 && serial[0].begin == 0 && serial[0].end == 100 &&
             serial[0].thread == 0,
         "1 thread: one range on this thread");
  return lathe::test::summary();
}
