//===- Checkpoint.h - Saving and restoring a training session ---*- C++ -*-===//
#ifndef LATHE_RUNTIME_CHECKPOINT_H
#define LATHE_RUNTIME_CHECKPOINT_H

#include "runtime/Data.h"
#include "runtime/Session.h"

#include <random>

namespace lathe::rt {

/// One tensor of a checkpoint: its spec, its buffer, and whether it is
/// optimizer state (stored as "optimizer.NAME").
struct CheckpointSlot {
  const TensorSpec *spec;
  Buffer *buffer;
  bool state;
};

/// Writes the slots with the model name, step and epoch as metadata.
bool writeCheckpoint(const std::string &path, const ModelInfo &info,
                     int64_t step, int64_t epoch,
                     const std::vector<CheckpointSlot> &slots,
                     std::string &error,
                     const Standardization *scaling = nullptr);

/// Reads a checkpoint of `info`'s model into the slots: every parameter must
/// be there with its shape; optimizer state is all there or all absent (a
/// parameters-only file starts the optimizer afresh, and `step` is then 0).
/// With `scaling`, also the feature scaling saved with it (left empty where
/// there is none; an error where it does not have the model's input size).
bool readCheckpoint(const std::string &path, const ModelInfo &info,
                    const std::vector<CheckpointSlot> &slots, int64_t &step,
                    int64_t &epoch, std::string &error,
                    Standardization *scaling = nullptr);

/// Writes parameters, optimizer state and the step count (safetensors,
/// atomically). Metadata names the model so a checkpoint cannot be loaded
/// into another one.
/// With `scaling` (features standardized in training), their means and
/// scales too ("data.mean", "data.scale"), which `predict` applies to raw
/// rows.
bool saveCheckpoint(Session &s, const std::string &path, int64_t epoch,
                    std::string &error,
                    const Standardization *scaling = nullptr);



/// Restores a checkpoint written for the same model; every tensor must be
/// present with the model's shape. Optimizer state is optional (a
/// parameters-only file starts the optimizer afresh). Sets `epoch`.
/// With `scaling`, also reads the feature scaling saved with it.
bool loadCheckpoint(Session &s, const std::string &path, int64_t &epoch,
                    std::string &error, Standardization *scaling = nullptr);

/// A random batch for checking: x ~ N(0, 1), random labels or targets, and
/// (for batches over one) the last row padding with mask 0.
Batch randomBatch(Session &s, std::mt19937_64 &rng);

/// Writes what a peer implementation needs to replay training on one batch:
/// DIR/initial.safetensors (parameters), DIR/batch.safetensors (x, y, mask),
/// DIR/grad.safetensors (loss and gradients at the initial parameters, and
/// the evaluation step's loss and predictions there) and
/// DIR/after.safetensors (parameters and losses after `steps` optimizer
/// steps on that batch). Returns the exit code.
int writeTrace(const ModelInfo &info, EntryPoints entry, const std::string &dir,
               int steps, uint64_t seed);

/// Writes `text` to `path` through a temporary file and a rename, so a crash
/// never leaves half a file.
bool writeAtomically(const std::string &path, const std::string &text);

} // namespace lathe::rt

#endif
