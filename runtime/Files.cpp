//===- Files.cpp - Whole files
//---------------------------------------------===//
#include "runtime/Files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>

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
