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
#include <sched.h>

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

namespace {
// One barrier for the team of the step that runs (one at a time, as with
// the idle job above): the arrivals, and the generation that the last to
// arrive advances, each on its own cache line.
struct alignas(64) Counter {
  std::atomic<unsigned> value{0};
};
Counter arrived, generation;

inline void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
} // namespace

extern "C" void lathe_barrier() {
  int threads = omp_get_num_threads ? omp_get_num_threads() : 1;
  if (threads < 2)
    return;
  // Read before arriving: the generation cannot move on until this thread
  // has arrived.
  unsigned g = generation.value.load(std::memory_order_relaxed);
  if (arrived.value.fetch_add(1, std::memory_order_acq_rel) + 1 == unsigned(threads)) {
    arrived.value.store(0, std::memory_order_relaxed);
    generation.value.store(g + 1, std::memory_order_release);
    return;
  }
  // Spin: the others are microseconds away on a step's tight schedule, as
  // OpenMP's threads spin between parallel regions. The one awaited may
  // need this core, though: with more threads than cores at once, and
  // after a long wait (other programs running) between spins.
  static const int cores = [] {
    cpu_set_t set;
    return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
  }();
  unsigned spins = threads > cores ? 0 : 1u << 12;
  while (generation.value.load(std::memory_order_acquire) == g) {
    if (spins) {
      --spins;
      pause();
    } else {
      sched_yield();
    }
  }
}
