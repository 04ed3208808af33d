//===- Parallel.cpp - Work split over the compiled code's threads ---------===//
//
// The runtime does not depend on OpenMP: the entry points are weak, and
// present where the program links LLVM's OpenMP runtime, as compiled models
// do (elsewhere the work runs on the calling thread). A parallel region is
// forked the way compiled code forks one, through __kmpc_fork_call.
//
//===----------------------------------------------------------------------===//
#include "runtime/Parallel.h"

#include <atomic>

namespace {
struct Ident {
  int32_t reserved1, flags, reserved2, reserved3;
  const char *source;
};
using Microtask = void (*)(int32_t *, int32_t *, ...);
} // namespace

extern "C" {
void __kmpc_fork_call(Ident *, int32_t, Microtask, ...) __attribute__((weak));
int omp_get_thread_num() __attribute__((weak));
int omp_get_num_threads() __attribute__((weak));
int omp_get_max_threads() __attribute__((weak));
}

namespace {
struct Job {
  int64_t n;
  const std::function<void(int64_t, int64_t)> *body;
};

void runPart(int32_t *, int32_t *, Job *job) {
  int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
  int64_t begin = job->n * t / count, end = job->n * (t + 1) / count;
  if (begin < end)
    (*job->body)(begin, end);
}
} // namespace

void lathe::rt::parallelRanges(
    int64_t n, const std::function<void(int64_t, int64_t)> &body) {
  if (n <= 1 || !__kmpc_fork_call || !omp_get_thread_num ||
      !omp_get_num_threads || !omp_get_max_threads ||
      omp_get_max_threads() < 2) {
    body(0, n);
    return;
  }
  static Ident ident{0, 2 /* KMP_IDENT_KMPC */, 0, 0,
                     ";lathe;parallelRanges;0;0;;"};
  Job job{n, &body};
  __kmpc_fork_call(&ident, 1, reinterpret_cast<Microtask>(&runPart), &job);
}

namespace {
enum IdleState : int { kNone, kOffered, kRunning, kDone };
std::atomic<int> idleState{kNone};
const std::function<void()> *idleJob = nullptr; // published by idleState
} // namespace

void lathe::rt::offerIdleWork(const std::function<void()> &job) {
  idleJob = &job;
  idleState.store(kOffered, std::memory_order_release);
}

bool lathe::rt::withdrawIdleWork() {
  int state = kOffered;
  if (idleState.compare_exchange_strong(state, kNone,
                                        std::memory_order_acquire))
    return false;
  while (state == kRunning)
    state = idleState.load(std::memory_order_acquire);
  idleState.store(kNone, std::memory_order_relaxed);
  return state == kDone;
}

bool lathe::rt::idleWorkOffered() {
  return idleState.load(std::memory_order_acquire) == kOffered;
}

extern "C" void lathe_idle_work() {
  int state = kOffered;
  if (!idleState.compare_exchange_strong(state, kRunning,
                                         std::memory_order_acquire))
    return;
  (*idleJob)();
  idleState.store(kDone, std::memory_order_release);
}
