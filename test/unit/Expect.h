//===- Expect.h - Checks and the summary line of the unit tests -*- C++ -*-===//
//
// Each unit test counts its checks, prints one `FAIL: ...` line per failed
// one, and ends with `N checks, M failed` (what its .test file matches),
// exiting non-zero on any failure.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_TEST_UNIT_EXPECT_H
#define LATHE_TEST_UNIT_EXPECT_H

#include <fmt/format.h>
#include <string>

namespace lathe::test {

inline int failures = 0, checks = 0;

/// Counts a check; prints `FAIL: what` unless `ok`.
inline bool expect(bool ok, const std::string &what) {
  ++checks;
  if (!ok) {
    ++failures;
    fmt::print("FAIL: {}\n", what);
  }
  return ok;
}

/// Counts a failure found outside a check (a setup step that failed).
inline void fail(const std::string &what) {
  ++failures;
  fmt::print("FAIL: {}\n", what);
}

/// Prints the summary; the process's exit status.
inline int summary() {
  fmt::print("{} checks, {} failed\n", checks, failures);
  return failures ? 1 : 0;
}

} // namespace lathe::test

#endif
