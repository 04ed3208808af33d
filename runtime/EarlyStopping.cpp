//===- EarlyStopping.cpp - Stop when the validation loss stops falling ----===//
#include "runtime/EarlyStopping.h"

#include <algorithm>

using namespace lathe::rt;

namespace {
void copyOut(std::vector<Buffer> &from, std::vector<std::vector<float>> &to) {
  to.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i)
    to[i].assign(from[i].data(), from[i].data() + from[i].size());
}

void copyIn(const std::vector<std::vector<float>> &from,
            std::vector<Buffer> &to) {
  for (size_t i = 0; i < to.size(); ++i)
    std::copy(from[i].begin(), from[i].end(), to[i].data());
}
} // namespace

bool EarlyStopping::stop(Session &session, int64_t epoch, double valLoss) {
  lastEpoch_ = epoch;
  // (A loss that is not a number is never lower.)
  if (valLoss < bestLoss_) {
    bestEpoch_ = epoch;
    bestLoss_ = valLoss;
    step_ = session.step();
    copyOut(session.params(), params_);
    copyOut(session.state(), state_);
    return false;
  }
  return patience_ > 0 && waited() >= patience_;
}

bool EarlyStopping::restoreBest(Session &session) const {
  if (bestEpoch_ == 0 || bestEpoch_ == lastEpoch_)
    return false;
  copyIn(params_, session.params());
  copyIn(state_, session.state());
  session.setStep(step_);
  return true;
}
