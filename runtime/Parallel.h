//===- Parallel.h - Work split over the compiled code's threads -*- C++ -*-===//
#ifndef LATHE_RUNTIME_PARALLEL_H
#define LATHE_RUNTIME_PARALLEL_H

#include <cstdint>
#include <functional>

namespace lathe::rt {

/// Runs `body(begin, end)` on contiguous ranges of [0, n), one per thread of
/// the OpenMP runtime that the compiled code runs on (the threads its
/// parallel regions use, which otherwise wait between steps), or all of it
/// on this thread where no OpenMP runtime is linked or one thread is set.
/// The ranges must touch disjoint memory.
void parallelRanges(int64_t n,
                    const std::function<void(int64_t, int64_t)> &body);

} // namespace lathe::rt

#endif
