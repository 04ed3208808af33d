//===- EarlyStopping.h - Stop when val_loss stops falling -------*- C++ -*-===//
#ifndef LATHE_RUNTIME_EARLYSTOPPING_H
#define LATHE_RUNTIME_EARLYSTOPPING_H

#include "runtime/Session.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace lathe::rt {

/// Watches the validation loss after each epoch, as Keras's EarlyStopping
/// (monitor `val_loss`, `restore_best_weights`) does: training stops once
/// `patience` epochs in a row have not lowered it, and ends with the
/// parameters, optimizer state and step count of the epoch that had the
/// lowest (kept in memory when it happens, restored at the end).
class EarlyStopping {
public:
  explicit EarlyStopping(int64_t patience) : patience_(patience) {}

  /// Records the validation loss of `epoch` (copying the session's state
  /// when it is the lowest yet); true when training should stop.
  bool stop(Session &session, int64_t epoch, double valLoss);
  /// Puts the best epoch's state back into `session`; false (and nothing
  /// done) when the last epoch recorded was the best.
  bool restoreBest(Session &session) const;

  int64_t patience() const { return patience_; }
  int64_t bestEpoch() const { return bestEpoch_; }
  double bestLoss() const { return bestLoss_; }
  /// Epochs since the best one (all of them while none had a finite loss).
  int64_t waited() const { return lastEpoch_ - bestEpoch_; }

private:
  int64_t patience_;
  int64_t bestEpoch_ = 0, lastEpoch_ = 0, step_ = 0;
  double bestLoss_ = std::numeric_limits<double>::infinity();
  std::vector<std::vector<float>> params_, state_;
};

} // namespace lathe::rt

#endif
