//===- BatchQueue.h - Batches assembled ahead on a worker thread -*- C++ -*-===//
#ifndef LATHE_RUNTIME_BATCHQUEUE_H
#define LATHE_RUNTIME_BATCHQUEUE_H

#include "runtime/Session.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace lathe::rt {

/// Hands out the batches of one pass over `order` in turn while a worker
/// thread gathers the next one (rows of a shuffled data set are scattered
/// over memory, so gathering them costs about a tenth of a small model's
/// step). The batches are exactly those `Session::fill` makes, in order, so
/// results do not change.
class BatchQueue {
public:
  BatchQueue(const Session &session, const Dataset &data,
             const std::vector<int64_t> &order);
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
  int64_t slotCount_;
  std::vector<Batch> slots_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t filled_ = 0;   // batches the worker has finished
  int64_t released_ = 0; // batches the consumer is done with
  bool handed_ = false, workerWaits_ = false, consumerWaits_ = false, stop_ = false;
  std::thread worker_;
};

} // namespace lathe::rt

#endif
