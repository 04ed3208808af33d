//===- BatchQueueTest.cpp - Batches gathered ahead equal those filled in turn ===//
//
// Gathered ahead on the worker thread and in place (by two OpenMP threads,
// each its share of the rows), for passes shorter
// than, equal to and longer than the queue's ring, with a partial last
// batch, for one-hot, class and token inputs: every batch the queue hands
// out equals the one Session::fill makes. Prints one line per
// failed expectation and a summary; exits non-zero on any failure. Run by
// batch-queue.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/BatchQueue.h"
#include "test/unit/Expect.h"

#include <fmt/format.h>
#include <algorithm>
#include <numeric>
#include <random>

using namespace lathe::rt;

namespace {
using lathe::test::expect;

bool same(const Buffer &a, const Buffer &b) {
  if (a.size() != b.size())
    return false;
  for (int64_t i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i])
      return false;
  return true;
}

void check(const std::string &model, int64_t n, BatchQueue::Gather how) {
  ModelInfo info;
  std::string error;
  if (!parseModelInfo(model, info, error)) {
    lathe::test::fail("model description: " + error);
    return;
  }
  Session session(info, EntryPoints{});
  Dataset d;
  d.n = n;
  d.features = info.inputSize();
  std::mt19937_64 rng(n);
  d.x.resize(size_t(n * d.features));
  for (float &v : d.x)
    v = float(rng() % 1000);
  d.labels.resize(size_t(n));
  for (int32_t &l : d.labels)
    l = int32_t(rng() % uint64_t(info.outputSize() > 1 ? info.outputSize() : 2));
  for (int32_t l : d.labels) // binary targets are values
    d.y.push_back(float(l));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);

  BatchQueue queue(session, d, order, how);
  Batch want = session.makeBatch();
  int64_t steps = (n + info.batch - 1) / info.batch;
  expect(queue.size() == steps, fmt::format("{} samples: {} batches, want {}",
                                            n, queue.size(), steps));
  for (int64_t s = 0; s < steps; ++s) {
    const Batch &got = queue.next();
    session.fill(d, order, s * info.batch, want);
    expect(got.count == want.count && same(got.x, want.x) &&
               same(got.y, want.y) && same(got.mask, want.mask) &&
               got.labels == want.labels,
           fmt::format("{} samples ({}, {}): batch {} differs", n, info.name,
                       how == BatchQueue::Gather::Ahead ? "ahead" : "in place",
                       s));
  }
}
} // namespace

int main() {
  // Two OpenMP threads: batches gathered in place are shared between them
  // (the program links LLVM's OpenMP runtime, as models do).
  setThreads(2);
  std::string onehot = "lathe-model 1\nname onehot\nbatch 32\nepochs 1\nseed 1\n"
                       "loss categorical_crossentropy\noptimizer adam lr=0.001\n"
                       "metrics accuracy\ntask onehot\ninput f32 784\n"
                       "param w glorot_uniform 784 10\noutput 10\n";
  std::string classes = "lathe-model 1\nname classes\nbatch 7\nepochs 1\nseed 1\n"
                        "loss sparse_categorical_crossentropy\noptimizer sgd lr=0.1\n"
                        "metrics accuracy\ntask classes\ninput f32 5\n"
                        "param w glorot_uniform 5 3\noutput 3\n";
  std::string tokens = "lathe-model 1\nname tokens\nbatch 4\nepochs 1\nseed 1\n"
                       "loss binary_crossentropy\noptimizer adam lr=0.001\n"
                       "metrics accuracy\ntask binary\ninput i32 9\n"
                       "param e uniform 50 8\noutput 1\n";
  for (auto how : {BatchQueue::Gather::Ahead, BatchQueue::Gather::InPlace}) {
    // One-hot rows of 3 KB: the ring holds 64 batches.
    for (int64_t n : {1, 31, 32, 33, 64 * 32, 64 * 32 + 5, 300 * 32 + 17})
      check(onehot, n, how);
    for (int64_t n : {3, 7, 8, 1000})
      check(classes, n, how);
    for (int64_t n : {4, 5, 2001})
      check(tokens, n, how);
  }
  return lathe::test::summary();
}
