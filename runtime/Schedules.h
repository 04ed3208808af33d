//===- Schedules.h - The learning-rate schedules ----------------*- C++ -*-===//
//
// The one list of the schedules an optimizer may name (`schedule=` in a
// model file, `--lr-schedule`): the front end, the dialect's verifier and
// the runtime all check against it; ModelInfo::learningRate computes them.
// Header-only, so the front end and the dialect use it without linking the
// runtime.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_RUNTIME_SCHEDULES_H
#define LATHE_RUNTIME_SCHEDULES_H

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

inline const std::vector<std::string_view> &schedules() {
  static const std::vector<std::string_view> names = {"constant", "cosine",
                                                      "linear"};
  return names;
}

inline bool isSchedule(std::string_view name) {
  const auto &names = schedules();
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// "constant, cosine or linear".
inline std::string scheduleList() {
  std::string out;
  const auto &names = schedules();
  for (size_t i = 0; i < names.size(); ++i)
    out += std::string(i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") +
           std::string(names[i]);
  return out;
}

} // namespace lathe

#endif
