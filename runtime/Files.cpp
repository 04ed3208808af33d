//===- Files.cpp - Whole files
//---------------------------------------------===//
#include "runtime/Files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <zlib.h>

bool lathe::rt::readFile(const std::string &path, std::string &out,
                         std::string &error) {
  auto fail = [&] {
    error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
    return false;
  };
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return fail();
  out.clear();
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
    out.append(buf, n);
  // (A folder opens, and its first read fails with EISDIR.)
  bool failed = std::ferror(f);
  int saved = errno;
  std::fclose(f);
  errno = saved;
  return failed ? fail() : true;
}

bool lathe::rt::readMaybeGzipped(const std::string &path, std::string &out,
                                 std::string &error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return false;
  }
  out.clear();
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0)
    out.append(buf, size_t(n));
  if (n < 0) {
    int code = 0;
    const char *why = gzerror(f, &code);
    // (A read the system refused, a folder's, says why in errno.)
    error = fmt::format("{}: cannot read: {}", path,
                        code == Z_ERRNO ? std::strerror(errno) : why);
    gzclose(f);
    return false;
  }
  gzclose(f);
  return true;
}
