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

/// Work for a thread that would otherwise wait: a compiled step whose
/// threads wait while one of them computes alone (a small layer, a loss)
/// has the waiting threads call lathe_idle_work(), which runs the job
/// offered here, once, on the first of them. One job at a time; it must
/// not touch what the step touches.
void offerIdleWork(const std::function<void()> &job);
/// Takes the offered job back: true once it has run (waiting for it to
/// finish if a thread is running it), false if no thread took it (it is
/// withdrawn unrun).
bool withdrawIdleWork();
/// Whether a job is offered and no thread has taken it yet.
bool idleWorkOffered();

} // namespace lathe::rt

/// Called by compiled code from threads with nothing to do until another
/// finishes (see offerIdleWork); compiled modules carry a weak one that does
/// nothing, for programs without this runtime.
extern "C" void lathe_idle_work();

/// A barrier for the threads of the compiled step that runs: returns once
/// every thread of its OpenMP team has called it. It spins where OpenMP's
/// barrier takes a few hundred nanoseconds more on each of a step's
/// barriers; compiled modules carry a weak one that is OpenMP's barrier.
extern "C" void lathe_barrier();

#endif
