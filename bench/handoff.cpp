//===- handoff.cpp - What handing a buffer to the other core costs --------===//
//
// A parallel training step splits its work between cores; whatever one core
// writes and the other then reads or writes moves between their caches.
// This measures that move on the machine at hand, for buffers the size of
// the MLP's (784x128) and the CNN's (5408x128) dense kernels: one thread
// updates the buffer (w = 0.999 w + 1e-6, as an optimizer would) and then
//  - local:  the same thread sums it and updates it again;
//  - remote: the thread on the other core sums it, then updates it.
// Both threads are pinned (cores 0 and 1) and hand over with a spin flag,
// so no wake-up is timed. Not a test: run it to see the ratio.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

void pin(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

float sum(const std::vector<float> &w) {
  float s = 0;
  for (float v : w)
    s += v;
  return s;
}

void update(std::vector<float> &w) {
  for (float &v : w)
    v = v * 0.999f + 1e-6f;
}

/// Microseconds per (sum + update) by `reader` of a buffer that core 0 has
/// just updated; median of `rounds`.
double measure(size_t n, int reader, int rounds) {
  std::vector<float> w(n, 1.0f);
  std::atomic<int> turn{0}; // 0: core 0 updates, 1: the reader's turn
  std::vector<double> us;
  volatile float sink = 0;
  std::thread other([&] {
    pin(1);
    for (int r = 0; r < rounds; ++r) {
      while (turn.load(std::memory_order_acquire) != 1)
        ;
      if (reader == 1) {
        auto t0 = Clock::now();
        sink = sink + sum(w);
        update(w);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      turn.store(0, std::memory_order_release);
    }
  });
  pin(0);
  for (int r = 0; r < rounds; ++r) {
    update(w);
    if (reader == 0) {
      auto t0 = Clock::now();
      sink = sink + sum(w);
      update(w);
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    turn.store(1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 0)
      ;
  }
  other.join();
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  return us[us.size() / 2];
}
} // namespace

int main() {
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "error: needs two cores\n");
    return 1;
  }
  std::printf("| buffer | same core, us | other core, us | ratio |\n|---|---|---|---|\n");
  for (auto [name, n] : {std::pair<const char *, size_t>{"784x128 (MLP dense kernel, 392 KB)", 784 * 128},
                         {"5408x128 (CNN dense kernel, 2.7 MB)", 5408 * 128}}) {
    double local = measure(n, 0, 400), remote = measure(n, 1, 400);
    std::printf("| %s | %.1f | %.1f | %.1fx |\n", name, local, remote, remote / local);
  }
  return 0;
}
