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
  // The innermost dimensions that both sides lay out densely are one run
  // of `run` elements: an LSTM step's 32x128 gates into the buffer of all
  // steps is 32 runs of 128, a whole contiguous view one run.
  int64_t inner = rank - 1, run = sizes[inner];
  bool dense = sStrides[inner] == 1 && dStrides[inner] == 1;
  while (dense && inner > 0 && sStrides[inner - 1] == run &&
         dStrides[inner - 1] == run) {
    --inner;
    run *= sizes[inner];
  }
  if (!dense)
    run = 1;
  // The index over the dimensions outside the run (on the stack: these
  // copies run inside training steps, some once per time step).
  int64_t stackIndex[8] = {};
  std::vector<int64_t> heapIndex;
  int64_t *index = stackIndex;
  if (rank > 8) {
    heapIndex.assign(rank, 0);
    index = heapIndex.data();
  }
  int64_t outer = dense ? inner : rank; // dimensions the loop walks
  int64_t so = 0, dofs = 0;
  while (true) {
    std::memcpy(dp + dofs * elemSize, sp + so * elemSize, run * elemSize);
    int64_t i = outer - 1;
    while (i >= 0) {
      so += sStrides[i];
      dofs += dStrides[i];
      if (++index[i] < sizes[i])
        break;
      so -= sizes[i] * sStrides[i];
      dofs -= sizes[i] * dStrides[i];
      index[i--] = 0;
    }
    if (i < 0)
      return;
  }
}
