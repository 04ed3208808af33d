//===- ObjectCache.h - Compiled models kept on disk for `lathe run` -*- C++ -*-===//
//
// `lathe run` compiles the same model again whenever only what the compiled
// code does not depend on changes (epochs, data, seed, threads, outputs).
// The object code of each compilation is kept under a key of everything it
// does depend on: the model's IR after autodiff (batch size, optimizer and
// shapes are in it), the options that shape its lowering, the target CPU
// and its features, and the compiler itself (its path, size and time). A
// later run with the same key loads the objects instead of compiling.
//
// Entries are written atomically (a temporary file and a rename) and carry
// a checksum; an unreadable or damaged one is compiled anew and replaced.
// The newest kMaxEntries are kept.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_COMPILER_PIPELINE_OBJECTCACHE_H
#define LATHE_COMPILER_PIPELINE_OBJECTCACHE_H

#include <optional>
#include <string>
#include <vector>

namespace lathe {

/// The cache's folder: $LATHE_CACHE_DIR, else $XDG_CACHE_HOME/lathe, else
/// $HOME/.cache/lathe; empty (no cache) where LATHE_CACHE_DIR is set empty
/// or no folder can be named.
std::string objectCacheDirectory();

/// The key of a compilation decided by `parts` (texts in order), and by the
/// running compiler's own file.
std::string objectCacheKey(const std::vector<std::string> &parts);

/// The objects stored under `key` in `dir`, if an intact entry is there.
std::optional<std::vector<std::string>>
loadCachedObjects(const std::string &dir, const std::string &key);

/// Stores `objects` under `key` (creating `dir`), then removes all but the
/// newest entries. False where it could not; the cache only saves time, so
/// a caller goes on without it.
bool storeCachedObjects(const std::string &dir, const std::string &key,
                        const std::vector<std::string> &objects);

/// Entries kept in the folder (a model's objects are ~0.2-2 MB).
constexpr int kMaxCacheEntries = 32;

} // namespace lathe

#endif
