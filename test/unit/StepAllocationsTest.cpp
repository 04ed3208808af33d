//===- StepAllocationsTest.cpp - The training loop allocates nothing -------===//
//
// The compiled steps allocate nothing (test/driver/no-step-allocations.test);
// neither does the runtime around them: packing a step's arguments, handing
// out batches (gathered ahead on a worker thread, or in place by the
// compiled code's threads, with or without a step that takes the next
// batch's gathering), and adding up the loss and metrics. Counts the
// allocations of steps 5 to 60 of a loop like the trainer's, with a stub
// for the compiled step; prints a line per failed expectation and a
// summary. Run by step-allocations.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/BatchQueue.h"
#include "runtime/Parallel.h"
#include "test/unit/Expect.h"

#include <fmt/format.h>
#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>
#include <random>

namespace {
std::atomic<bool> counting{false};
std::atomic<int64_t> allocations{0};

void *allocate(std::size_t n) {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n ? n : 1))
    return p;
  throw std::bad_alloc();
}
} // namespace

void *operator new(std::size_t n) { return allocate(n); }
void *operator new[](std::size_t n) { return allocate(n); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

using namespace lathe::rt;

namespace {
/// A compiled step that computes nothing; `idle`: like a step with a
/// stretch where the other threads wait, it has them gather the next batch.
bool idle = false;
void stubStep(void **) {
  if (idle)
    parallelRanges(2, [](int64_t begin, int64_t) {
      if (begin == 1)
        lathe_idle_work();
    });
}

void check(BatchQueue::Gather how, bool takesBatch, const char *what) {
  std::string model = "lathe-model 1\nname onehot\nbatch 32\nepochs 1\nseed 1\n"
                      "loss categorical_crossentropy\noptimizer adam lr=0.001\n"
                      "metrics accuracy\ntask onehot\ninput f32 784\n"
                      "param w glorot_uniform 784 10\noutput 10\n";
  ModelInfo info;
  std::string error;
  if (!parseModelInfo(model, info, error)) {
    lathe::test::fail("model description: " + error);
    return;
  }
  EntryPoints entry;
  entry.trainStep = stubStep;
  idle = takesBatch;
  Session session(info, entry);
  Dataset d;
  d.n = 64 * 32;
  d.features = info.inputSize();
  std::mt19937_64 rng(1);
  d.x.resize(size_t(d.n * d.features));
  for (float &v : d.x)
    v = float(rng() % 256);
  d.labels.resize(size_t(d.n));
  for (int32_t &l : d.labels)
    l = int32_t(rng() % 10);
  std::vector<int64_t> order(size_t(d.n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  Evaluation stats;
  BatchQueue queue(session, d, order, how);
  for (int64_t s = 0; s < 60; ++s) {
    if (s == 5)
      counting = true;
    session.trainStep(queue.next(), 0.001, stats);
  }
  counting = false;
  int64_t n = allocations.exchange(0);
  lathe::test::expect(n == 0, fmt::format("{}: {} allocations in 55 steps", what, n));
}
} // namespace

int main() {
  setThreads(2);
  check(BatchQueue::Gather::Ahead, false, "gathered ahead");
  check(BatchQueue::Gather::InPlace, true, "in place, by a step's waiting thread");
  check(BatchQueue::Gather::InPlace, false, "in place, by all threads between steps");
  return lathe::test::summary();
}
