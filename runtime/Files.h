//===- Files.h - Whole files and big-endian words -----------------*- C++
//-*-===//
#ifndef LATHE_RUNTIME_FILES_H
#define LATHE_RUNTIME_FILES_H

#include <cstdint>
#include <string>

namespace lathe::rt {

/// Reads the file at `path` whole into `out`, as bytes. On failure returns
/// false with `error` = "PATH: cannot read: REASON" (the system's reason,
/// e.g. "No such file or directory" or "Is a directory").
bool readFile(const std::string &path, std::string &out, std::string &error);

/// Reads a file whole, gunzipping it if it is gzipped. On failure returns
/// false with `error` = "PATH: cannot open: REASON" or "PATH: cannot read:
/// REASON".
bool readMaybeGzipped(const std::string &path, std::string &out,
                      std::string &error);

/// The 32-bit big-endian word at `p` (IDX headers, PNG chunks).
inline uint32_t readBE32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
         uint32_t(p[3]);
}

} // namespace lathe::rt

#endif
