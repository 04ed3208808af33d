//===- BatchQueue.cpp - Batches assembled ahead on a worker thread --------===//
#include "runtime/BatchQueue.h"
#include "runtime/Parallel.h"

#include <algorithm>

using namespace lathe::rt;

BatchQueue::BatchQueue(const Session &session, const Dataset &data,
                       const std::vector<int64_t> &order, Gather how)
    : session_(session), data_(data), order_(order),
      steps_((int64_t(order.size()) + session.info().batch - 1) /
             session.info().batch) {
  Batch probe = session.makeBatch();
  int64_t bytes = int64_t(probe.x.size() + probe.y.size() + probe.mask.size()) *
                      int64_t(sizeof(float)) +
                  1;
  // Small batches, or no core to spare (the compiled code's idle threads
  // spin on every core between parallel loops): gathered in place.
  // A model on the GPU keeps its batches in managed memory, which the host
  // may not touch while a kernel runs (GPUs without concurrent managed
  // access, virtual machines): its batches are gathered between steps.
  if (how == Gather::Auto && session.info().target == "nvptx")
    how = Gather::InPlace;
  if (how == Gather::Auto)
    how = bytes >= kThreadedBytes && spareCore() ? Gather::Ahead
                                                 : Gather::InPlace;
  if (how == Gather::InPlace) {
    // The compiled code's threads wait between steps: they share the rows
    // of a batch large enough to pay for starting them (not on the GPU,
    // whose batches are managed memory). A regression's batch of 16 rows
    // takes less than starting the threads: gathered in parallel, linear
    // regression trained 9x slower on two threads than on one.
    parallelFill_ =
        session.info().target != "nvptx" && bytes >= kThreadedBytes;
    slots_.push_back(std::move(probe));
    if (parallelFill_ && steps_ > 1) {
      overlap_ = true;
      slots_.push_back(session.makeBatch());
      // Made once: a std::function holding more than two words allocates.
      job_ = [this] {
        int64_t b = session_.info().batch;
        session_.fill(data_, order_, jobBegin_, *jobBatch_, false, jobBegin_ + b);
      };
    }
    return;
  }
  slotCount_ = std::clamp<int64_t>((int64_t(8) << 20) / bytes, 4, 64);
  for (int64_t i = 0; i < std::min(slotCount_, steps_); ++i)
    slots_.push_back(session.makeBatch());
  worker_ = std::thread([this] { work(); });
}

BatchQueue::~BatchQueue() {
  if (offered_)
    withdrawIdleWork(); // a pass cut short: no thread may fill it later
  if (!worker_.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void BatchQueue::work() {
  for (int64_t s = 0; s < steps_; ++s) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (s >= released_ + slotCount_) { // full: wait for half a ring
        workerWaits_ = true;
        changed_.wait(lock, [&] {
          return stop_ || s + slotCount_ / 2 <= released_ + slotCount_;
        });
        workerWaits_ = false;
      }
      if (stop_)
        return;
    }
    session_.fill(data_, order_, s * session_.info().batch,
                  slots_[s % slotCount_]);
    std::lock_guard<std::mutex> lock(mutex_);
    filled_ = s + 1;
    if (consumerWaits_)
      changed_.notify_all();
  }
}

const Batch &BatchQueue::next() {
  if (!worker_.joinable()) {
    int64_t b = session_.info().batch, s = released_++;
    Batch &batch = slots_[s % slots_.size()];
    // Gathered during the last step, or else now; the next batch's rows
    // arrive while this one trains.
    bool gathered = offered_ && withdrawIdleWork();
    if (offered_ && !gathered)
      overlap_ = false;
    offered_ = false;
    if (!gathered)
      session_.fill(data_, order_, s * b, batch, parallelFill_, (s + 1) * b);
    if (overlap_ && s + 1 < steps_) {
      jobBatch_ = &slots_[(s + 1) % slots_.size()];
      jobBegin_ = (s + 1) * b;
      offerIdleWork(job_);
      offered_ = true;
    }
    return batch;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  // The batch handed out last time is done with now.
  int64_t s = released_ + (handed_ ? 1 : 0);
  released_ = s;
  handed_ = true;
  if (workerWaits_ && filled_ + slotCount_ / 2 <= released_ + slotCount_)
    changed_.notify_all();
  if (filled_ <= s) {
    consumerWaits_ = true;
    changed_.wait(lock, [&] { return filled_ > s; });
    consumerWaits_ = false;
  }
  return slots_[s % slotCount_];
}
