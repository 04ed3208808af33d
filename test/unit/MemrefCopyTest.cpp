//===- MemrefCopyTest.cpp - The copy routine compiled code calls ----------===//
//
// memrefCopy between strided views of ranks 0 to 4 (views of larger
// buffers at offsets, dense in their inner dimensions or not, one inner
// dimension with stride 2, a dimension of size 0) agrees element by
// element with a plain loop over the indices, and writes nothing outside
// the destination view. Run by memref-copy.test.
//
//===----------------------------------------------------------------------===//
#include "test/unit/Expect.h"

#include <cstdint>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <random>
#include <vector>

namespace {
struct Unranked {
  int64_t rank;
  void *descriptor;
};

/// A ranked descriptor of `rank` (allocated, aligned, offset, sizes,
/// strides) as MLIR lays it out.
std::vector<int64_t> descriptor(float *base, int64_t offset, const std::vector<int64_t> &sizes,
                                const std::vector<int64_t> &strides) {
  std::vector<int64_t> d{reinterpret_cast<int64_t>(base), reinterpret_cast<int64_t>(base),
                         offset};
  d.insert(d.end(), sizes.begin(), sizes.end());
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

/// Strides of a view of `sizes` whose inner stride is `step` and whose rows
/// lie `pad` elements further apart than their length (dense when `pad`
/// is 0 and `step` 1); the outer dimensions are dense over the rows.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &sizes, int64_t pad, int64_t step) {
  int64_t n = int64_t(sizes.size());
  std::vector<int64_t> strides(n);
  for (int64_t i = n - 1; i >= 0; --i)
    strides[i] = i == n - 1   ? step
                 : i == n - 2 ? sizes[n - 1] * step + pad
                              : strides[i + 1] * sizes[i + 1];
  return strides;
}

int64_t span(const std::vector<int64_t> &sizes, const std::vector<int64_t> &strides) {
  int64_t last = 0;
  for (size_t i = 0; i < sizes.size(); ++i)
    last += (sizes[i] - 1) * strides[i];
  return last + 1;
}
} // namespace

extern "C" void memrefCopy(int64_t elemSize, Unranked *src, Unranked *dst);

int main() {
  std::mt19937 rng(7);
  int cases = 0;
  for (int rank = 0; rank <= 4; ++rank) {
    for (int variant = 0; variant < 12; ++variant) {
      std::vector<int64_t> sizes(rank);
      for (int64_t &s : sizes)
        s = 1 + rng() % 5;
      if (variant == 11 && rank > 0)
        sizes[rng() % rank] = 0;
      int64_t sPad = variant % 3, dPad = variant / 3 % 3;
      int64_t sStep = variant % 4 == 3 ? 2 : 1, dStep = 1;
      std::vector<int64_t> ss = stridesOf(sizes, sPad, sStep), ds = stridesOf(sizes, dPad, dStep);
      bool empty = false;
      for (int64_t s : sizes)
        empty |= s == 0;
      int64_t sOff = rng() % 7, dOff = rng() % 7;
      int64_t sLen = sOff + (empty ? 1 : span(sizes, ss)) + 5;
      int64_t dLen = dOff + (empty ? 1 : span(sizes, ds)) + 5;
      std::vector<float> a(sLen), b(dLen, -1.0f), expect(dLen, -1.0f);
      for (int64_t i = 0; i < sLen; ++i)
        a[i] = float(i) + 0.5f;
      // The reference: every index of the view, element by element.
      int64_t count = 1;
      for (int64_t s : sizes)
        count *= s;
      for (int64_t n = 0; n < count; ++n) {
        int64_t rest = n, so = sOff, dofs = dOff;
        for (int i = rank - 1; i >= 0; --i) {
          int64_t idx = rest % sizes[i];
          rest /= sizes[i];
          so += idx * ss[i];
          dofs += idx * ds[i];
        }
        expect[dofs] = a[so];
      }
      std::vector<int64_t> sd = descriptor(a.data(), sOff, sizes, ss);
      std::vector<int64_t> dd = descriptor(b.data(), dOff, sizes, ds);
      Unranked su{rank, sd.data()}, du{rank, dd.data()};
      memrefCopy(sizeof(float), &su, &du);
      ++cases;
      lathe::test::expect(b == expect,
                          fmt::format("rank {} sizes [{}] source strides [{}] offset {}, "
                                      "destination strides [{}] offset {}",
                                      rank, fmt::join(sizes, ","), fmt::join(ss, ","), sOff,
                                      fmt::join(ds, ","), dOff));
    }
  }
  fmt::print("{} copies\n", cases);
  return lathe::test::summary();
}
