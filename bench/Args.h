//===- Args.h - The benchmarks' command lines ------------------*- C++ -*-===//
#ifndef LATHE_BENCH_ARGS_H
#define LATHE_BENCH_ARGS_H

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

namespace lathe::bench {

/// Walks the `--flag value` pairs of a command line; `take(flag, value)`
/// says whether it read them. False when a flag lacks its value or `take`
/// refuses one.
inline bool readFlags(int argc, char **argv,
                      const std::function<bool(const std::string &, const char *)> &take) {
  for (int i = 1; i < argc; i += 2)
    if (i + 1 >= argc || !take(argv[i], argv[i + 1]))
      return false;
  return true;
}

/// `text` as a positive integer, if it is one.
inline std::optional<long> positive(const char *text) {
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end || value < 1)
    return std::nullopt;
  return value;
}

} // namespace lathe::bench

#endif
