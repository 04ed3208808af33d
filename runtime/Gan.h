//===- Gan.h - Training and sampling a GAN ----------------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_GAN_H
#define LATHE_RUNTIME_GAN_H

#include "runtime/Train.h"

namespace lathe::rt {

/// Alternates discriminator and generator steps over the real images for
/// the configured epochs; prints d_loss, g_loss and the discriminator's
/// accuracy; with `opts.samples` writes a grid of generated images from a
/// fixed noise batch after every epoch. Returns the exit code.
int trainGan(const ModelInfo &info, EntryPoints entry, const TrainOptions &opts);

/// Writes `count` generated images as a PNG grid from a checkpoint.
int generateImages(const ModelInfo &info, EntryPoints entry,
                   const std::string &checkpoint, int64_t count, uint64_t seed,
                   const std::string &out);

/// Writes one discriminator step and one generator step on a random batch
/// for a peer to replay: DIR/initial.safetensors (all parameters),
/// DIR/batch.safetensors (real, mask, z), DIR/dstep.safetensors (d_loss and
/// the discriminator after its step), DIR/gstep.safetensors (g_loss and the
/// generator after its step). Returns the exit code.
int writeGanTrace(const ModelInfo &info, EntryPoints entry,
                  const std::string &dir, uint64_t seed);

} // namespace lathe::rt

#endif
