//===- ObjectCache.cpp - Compiled models kept on disk for `lathe run` -----===//
//
// An entry is one file, KEY.objects: the magic line, the number of objects,
// each object's size and bytes, and an xxh3 checksum of all that precedes
// it (little-endian 64-bit integers).
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/ObjectCache.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <utime.h>

using namespace lathe;
namespace fs = llvm::sys::fs;

namespace {
constexpr llvm::StringLiteral kMagic = "lathe-objects-1\n";
constexpr llvm::StringLiteral kSuffix = ".objects";

void putU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(char((v >> (8 * i)) & 0xff));
}

/// Reads a little-endian u64 at `at`, advancing it; false past the end.
bool getU64(llvm::StringRef data, size_t &at, uint64_t &v) {
  if (data.size() < 8 || at > data.size() - 8)
    return false;
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= uint64_t(uint8_t(data[at + i])) << (8 * i);
  at += 8;
  return true;
}

uint64_t checksum(llvm::StringRef data) {
  return llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(data.data()), data.size()));
}

std::string entryPath(const std::string &dir, const std::string &key) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, key + kSuffix.str());
  return std::string(path);
}

/// Removes all but the newest kMaxCacheEntries entries of `dir`, and the
/// partial entries (`.tmp`) of writers that stopped before renaming theirs:
/// those last written more than an hour ago (a writer takes seconds).
void prune(const std::string &dir) {
  std::vector<std::pair<llvm::sys::TimePoint<>, std::string>> entries;
  std::error_code ec;
  auto stale = std::chrono::system_clock::now() - std::chrono::hours(1);
  for (fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef path(it->path());
    fs::file_status status;
    if (fs::status(path, status))
      continue;
    if (path.ends_with(".tmp") && status.getLastModificationTime() < stale)
      fs::remove(path);
    else if (path.ends_with(kSuffix))
      entries.push_back({status.getLastModificationTime(), it->path()});
  }
  if (entries.size() <= size_t(kMaxCacheEntries))
    return;
  std::sort(entries.begin(), entries.end(),
            [](const auto &a, const auto &b) { return a.first > b.first; });
  for (size_t i = kMaxCacheEntries; i < entries.size(); ++i)
    fs::remove(entries[i].second);
}
} // namespace

std::string lathe::objectCacheDirectory() {
  if (const char *dir = std::getenv("LATHE_CACHE_DIR"))
    return dir;
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    path = xdg;
  else if (const char *home = std::getenv("HOME"); home && *home)
    llvm::sys::path::append(path, home, ".cache");
  else
    return "";
  llvm::sys::path::append(path, "lathe");
  return std::string(path);
}

std::string lathe::objectCacheKey(const std::vector<std::string> &parts) {
  // The compiler itself: another build of it may compile differently.
  static int anchor;
  std::string self = fs::getMainExecutable(nullptr, &anchor);
  fs::file_status status;
  std::string text(kMagic);
  if (!fs::status(self, status))
    text += fmt::format("{}|{}|{}", self, status.getSize(),
                        status.getLastModificationTime().time_since_epoch().count());
  for (const std::string &p : parts) {
    putU64(text, p.size());
    text += p;
  }
  llvm::XXH128_hash_t h = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(text.data()), text.size()));
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

std::optional<std::vector<std::string>>
lathe::loadCachedObjects(const std::string &dir, const std::string &key) {
  if (dir.empty())
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(entryPath(dir, key),
                                            /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  llvm::StringRef data = (*buffer)->getBuffer();
  if (!data.starts_with(kMagic) || data.size() < kMagic.size() + 16)
    return std::nullopt;
  size_t body = data.size() - 8, at = body;
  uint64_t sum = 0, count = 0;
  if (!getU64(data, at, sum) || sum != checksum(data.take_front(body)))
    return std::nullopt;
  at = kMagic.size();
  if (!getU64(data, at, count) || count == 0 || count > 1024)
    return std::nullopt;
  std::vector<std::string> objects;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t size = 0;
    if (!getU64(data, at, size) || size > body - at)
      return std::nullopt;
    objects.emplace_back(data.substr(at, size));
    at += size;
  }
  if (at != body)
    return std::nullopt;
  // Used: the newest entries are the ones kept.
  ::utime(entryPath(dir, key).c_str(), nullptr);
  return objects;
}

bool lathe::storeCachedObjects(const std::string &dir, const std::string &key,
                               const std::vector<std::string> &objects) {
  if (dir.empty() || fs::create_directories(dir))
    return false;
  std::string data(kMagic);
  putU64(data, objects.size());
  for (const std::string &o : objects) {
    putU64(data, o.size());
    data += o;
  }
  putU64(data, checksum(data));
  // A temporary file of this process, renamed over the entry when whole:
  // a reader sees the old entry, the new one, or none.
  llvm::SmallString<256> tmp;
  int fd = -1;
  if (fs::createUniqueFile(entryPath(dir, key) + ".%%%%%%.tmp", fd, tmp))
    return false;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << data;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      fs::remove(tmp);
      return false;
    }
  }
  if (fs::rename(tmp, entryPath(dir, key))) {
    fs::remove(tmp);
    return false;
  }
  prune(dir);
  return true;
}
