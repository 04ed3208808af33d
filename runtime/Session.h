//===- Session.h - A compiled model's state and entry points ----*- C++ -*-===//
#ifndef LATHE_RUNTIME_SESSION_H
#define LATHE_RUNTIME_SESSION_H

#include "runtime/Data.h"
#include "runtime/ModelInfo.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace lathe::rt {

/// The compiled code: each entry point takes an array of pointers, one per
/// argument, each pointing at that argument's buffer pointer (MLIR's packed
/// calling convention over bare-pointer memrefs). Results are out-buffers
/// after the inputs; the training steps write the new parameters and
/// optimizer state over the old, in the argument buffers.
struct EntryPoints {
  void (*trainStep)(void **) = nullptr; ///< params, state (updated), hyper, x, y, mask -> loss, pred
  void (*grad)(void **) = nullptr;      ///< params, x, y, mask -> loss, grads
  void (*evalStep)(void **) = nullptr;  ///< params, x, y, mask -> loss, pred
  void (*predict)(void **) = nullptr;   ///< params, x -> pred
  void (*dStep)(void **) = nullptr;     ///< gan: discriminator step
  void (*gStep)(void **) = nullptr;     ///< gan: generator step
  void (*generate)(void **) = nullptr;  ///< gan: gparams, z -> images
};

/// A float buffer aligned for vector loads.
/// Where Buffers get their memory: aligned host memory unless a model
/// compiled for a GPU set CUDA managed memory (useCudaManagedBuffers).
void setBufferMemory(void *(*alloc)(size_t bytes), void (*release)(void *));

class Buffer {
public:
  Buffer() = default;
  explicit Buffer(int64_t n);
  float *data() { return data_.get(); }
  const float *data() const { return data_.get(); }
  int64_t size() const { return n_; }
  float &operator[](int64_t i) { return data_.get()[i]; }
  float operator[](int64_t i) const { return data_.get()[i]; }

private:
  struct Free {
    void operator()(float *p) const;
  };
  std::unique_ptr<float[], Free> data_;
  int64_t n_ = 0;
};

/// The arguments of one call of a packed entry point, in order: each is a
/// buffer pointer; the entry point gets an array pointing at them. Kept
/// and cleared between calls, it allocates nothing in a training loop.
class PackedCall {
public:
  /// Forgets the last call's arguments (keeping their storage).
  PackedCall &clear() {
    ptrs_.clear();
    staged_.clear();
    return *this;
  }
  PackedCall &operator<<(const void *p) {
    ptrs_.push_back(const_cast<void *>(p));
    return *this;
  }
  PackedCall &operator<<(const Buffer &b) { return *this << b.data(); }
  PackedCall &operator<<(const std::vector<Buffer> &bs) {
    for (const Buffer &b : bs)
      *this << b.data();
    return *this;
  }
  /// What the host writes for this call alone (a batch, hyperparameters):
  /// for a model on a GPU, copied into a buffer of its own there before the
  /// call.
  PackedCall &in(const void *p, int64_t bytes) {
    staged_.push_back({ptrs_.size(), bytes, false});
    return *this << p;
  }
  PackedCall &in(const Buffer &b) {
    return in(b.data(), b.size() * int64_t(sizeof(float)));
  }
  /// What the host reads after the call (a loss, predictions): for a model
  /// on a GPU, written in a buffer of its own there and copied back after.
  PackedCall &out(Buffer &b) {
    staged_.push_back({ptrs_.size(), b.size() * int64_t(sizeof(float)), true});
    return *this << b.data();
  }
  void run(void (*fn)(void **));

private:
  struct Staged {
    size_t index;
    int64_t bytes;
    bool out;
  };
  std::vector<void *> ptrs_, args_, host_;
  std::vector<Staged> staged_;
};

/// Keeps freed memory in the process: the compiled steps allocate their
/// large temporaries afresh every call, and glibc would otherwise unmap them
/// each time and fault them back in (zeroed) on the next step. Idempotent.
void keepAllocatorMemory();

/// The threads the compiled code's parallel loops use (its large matmuls'
/// row blocks, through OpenMP); 0 means all cores. Returns the count set.
int setThreads(int n);
/// Whether the compiled code's threads leave a core free (for a helper
/// thread such as BatchQueue's).
bool spareCore();

/// Fills `b` from the tensor's initializer (glorot_uniform, orthogonal,
/// uniform, unit_forget_bias, ones, zeros).
void initTensor(const TensorSpec &t, Buffer &b, std::mt19937_64 &rng);

/// Class ids of a batch: int32 in a Buffer's storage, so that they live
/// where the compiled code reads (managed memory for the NVPTX target).
class Labels {
public:
  void assign(int64_t n, int32_t value) {
    buffer_ = Buffer(n);
    std::fill(data(), data() + n, value);
  }
  bool empty() const { return buffer_.size() == 0; }
  int64_t size() const { return buffer_.size(); }
  int32_t *data() { return reinterpret_cast<int32_t *>(buffer_.data()); }
  const int32_t *data() const {
    return reinterpret_cast<const int32_t *>(buffer_.data());
  }
  int32_t &operator[](int64_t i) { return data()[i]; }
  int32_t operator[](int64_t i) const { return data()[i]; }
  bool operator==(const Labels &o) const {
    return size() == o.size() && std::equal(data(), data() + size(), o.data());
  }

private:
  Buffer buffer_;
};

/// One batch in the layout the entry points take; rows past `count` are
/// padding with mask 0. Token inputs are int32 ids in `x`'s storage.
struct Batch {
  Buffer x, y, mask;
  Labels labels; // for class targets
  int64_t count = 0;
};

/// Figures of one pass over a dataset.
struct Evaluation {
  double loss = 0;
  int64_t n = 0;
  std::vector<std::vector<int64_t>> confusion; // [true][predicted]
  double sqErr = 0, absErr = 0;
  int64_t values = 0;
  double metric(const std::string &name) const;
};

class Session {
public:
  Session(const ModelInfo &info, EntryPoints entry);

  const ModelInfo &info() const { return info_; }
  /// Fresh parameters from each one's initializer, zero optimizer state.
  void initialize(uint64_t seed);
  /// Fills `batch` with samples `order[begin, begin + batch size)`; with
  /// `parallel`, its rows are shared by the compiled code's threads. With
  /// `next` (>= 0), the caches are then asked for the rows of the batch at
  /// `next` (by the thread that will gather them).
  void fill(const Dataset &d, const std::vector<int64_t> &order, int64_t begin,
            Batch &batch, bool parallel = false, int64_t next = -1) const;
  Batch makeBatch() const;
  /// One optimizer step at learning rate `lr`; adds the batch to `stats`.
  float trainStep(const Batch &batch, double lr, Evaluation &stats);
  /// Loss and metrics over `d`.
  Evaluation evaluate(const Dataset &d);
  /// Loss and gradients of one batch, for checking.
  float gradients(const Batch &batch, std::vector<Buffer> &grads);
  /// The loss of one batch at the current parameters, as training sees it
  /// (with the dropout masks of the current step).
  float loss(const Batch &batch);
  /// The evaluation step (no dropout) on one batch: its loss; then
  /// predictions() holds the batch's outputs.
  float evalBatch(const Batch &batch);
  const Buffer &predictions() const { return pred_; }
  /// The seed of the dropout masks of step `step` (0: before training).
  int32_t dropoutSeed(int64_t step) const;
  /// Predictions for `d`, `outputSize()` values per sample.
  std::vector<float> predict(const Dataset &d);

  std::vector<Buffer> &params() { return params_; }
  std::vector<Buffer> &state() { return state_; }
  int64_t step() const { return step_; }
  void setStep(int64_t s) { step_ = s; }

private:
  /// For a model with dropout, passes the current step's seed to `call`.
  void passDropoutSeed(PackedCall &call);
  /// The call every entry point's arguments are packed in, cleared.
  PackedCall &newCall() { return call_.clear(); }
  void accumulate(const Batch &batch, const Buffer &pred, float loss,
                  Evaluation &e) const;

  ModelInfo info_;
  EntryPoints entry_;
  std::vector<Buffer> params_, state_;
  Buffer pred_, loss_, hyper_;
  Buffer seed_; ///< the dropout seed (an i32), where kernels can read it
  PackedCall call_;
  int64_t step_ = 0;
  uint64_t runSeed_ = 0;
};

} // namespace lathe::rt

#endif
