//===- BatchQueue.h - Batches assembled ahead on a worker thread -*- C++ -*-===//
#ifndef LATHE_RUNTIME_BATCHQUEUE_H
#define LATHE_RUNTIME_BATCHQUEUE_H

#include "runtime/Session.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lathe::rt {

/// Hands out the batches of one pass over `order` in turn while a worker
/// thread gathers the next one (rows of a shuffled data set are scattered
/// over memory, so gathering them costs about a tenth of a small model's
/// step) when a core is left to it; small batches, or with every core
/// computing, batches are gathered in place: the first by all threads, each
/// next one during the step before it by a thread that the step leaves
/// waiting (offerIdleWork), when the step has one. The batches are exactly
/// those `Session::fill` makes, in order, so results do not change.
class BatchQueue {
public:
  /// Auto: ahead on a worker thread when batches are large and a core is
  /// spare, else in place.
  enum class Gather { Auto, InPlace, Ahead };
  BatchQueue(const Session &session, const Dataset &data,
             const std::vector<int64_t> &order, Gather how = Gather::Auto);
  ~BatchQueue();
  BatchQueue(const BatchQueue &) = delete;
  BatchQueue &operator=(const BatchQueue &) = delete;

  int64_t size() const { return steps_; }
  /// The next batch; valid until the following call.
  const Batch &next();

private:
  void work();

  const Session &session_;
  const Dataset &data_;
  const std::vector<int64_t> &order_;
  int64_t steps_;
  // A ring of batches (about 8 MiB); the worker refills it half a ring at a
  // time, so the threads wake each other once every many steps (a wake-up
  // costs tens of microseconds on a virtual machine), not every step.
  int64_t slotCount_ = 1;
  // Below this many bytes a batch is gathered in place, by one thread: the
  // step is then so short that handing batches between threads, or starting
  // the compiled code's threads to share the rows, would cost more than it
  // saves.
  static constexpr int64_t kThreadedBytes = 32 << 10;
  std::vector<Batch> slots_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t filled_ = 0;   // batches the worker has finished
  int64_t released_ = 0; // batches the consumer is done with
  bool handed_ = false, workerWaits_ = false, consumerWaits_ = false, stop_ = false;
  bool parallelFill_ = false; // in place, over the compiled code's threads
  // In place, each batch but the first is gathered during the step before
  // it, by a thread the step leaves waiting (offerIdleWork), into the other
  // of two slots; stopped after a step that left no thread waiting.
  bool overlap_ = false, offered_ = false;
  std::function<void()> job_; // gathers *jobBatch_ from jobBegin_
  Batch *jobBatch_ = nullptr;
  int64_t jobBegin_ = 0;
  std::thread worker_;
};

} // namespace lathe::rt

#endif
