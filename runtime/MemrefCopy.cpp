//===- MemrefCopy.cpp - The copy routine compiled code calls --------------===//
//
// MLIR lowers a memref.copy between strided views (an inserted or extracted
// slice, a padded tensor) to a call of `memrefCopy` with unranked
// descriptors. Upstream ships it in libmlir_c_runner_utils; compiled models
// get this one instead, so executables need no MLIR library.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstring>
#include <vector>

namespace {
/// The layout of a ranked memref descriptor of any rank.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1]; // sizes[rank], then strides[rank]
};
struct Unranked {
  int64_t rank;
  Descriptor *descriptor;
};
} // namespace

extern "C" void memrefCopy(int64_t elemSize, Unranked *src, Unranked *dst) {
  int64_t rank = src->rank;
  Descriptor *s = src->descriptor, *d = dst->descriptor;
  const int64_t *sizes = s->sizesAndStrides;
  const int64_t *sStrides = s->sizesAndStrides + rank;
  const int64_t *dStrides = d->sizesAndStrides + rank;
  char *sp = s->aligned + s->offset * elemSize;
  char *dp = d->aligned + d->offset * elemSize;
  if (rank == 0) {
    std::memcpy(dp, sp, elemSize);
    return;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return;
  std::vector<int64_t> index(rank, 0);
  int64_t inner = rank - 1;
  bool contiguous = sStrides[inner] == 1 && dStrides[inner] == 1;
  while (true) {
    int64_t so = 0, dofs = 0;
    for (int64_t i = 0; i < inner; ++i) {
      so += index[i] * sStrides[i];
      dofs += index[i] * dStrides[i];
    }
    if (contiguous) {
      std::memcpy(dp + dofs * elemSize, sp + so * elemSize,
                  sizes[inner] * elemSize);
    } else {
      for (int64_t j = 0; j < sizes[inner]; ++j)
        std::memcpy(dp + (dofs + j * dStrides[inner]) * elemSize,
                    sp + (so + j * sStrides[inner]) * elemSize, elemSize);
    }
    int64_t i = inner - 1;
    while (i >= 0 && ++index[i] == sizes[i])
      index[i--] = 0;
    if (i < 0)
      return;
  }
}
