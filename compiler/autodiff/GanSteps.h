//===- GanSteps.h - The two training steps of a GAN -------------*- C++ -*-===//
#ifndef LATHE_AUTODIFF_GANSTEPS_H
#define LATHE_AUTODIFF_GANSTEPS_H

#include "dialect/LatheOps.h"

namespace lathe {

/// Adds the entry points of a GAN recipe `g`:
///   @g.d_step(gparams, dparams, dstate, hyper, real, mask, z)
///       -> (dparams', dstate', d_loss, D(real), D(G(z)))
///   discriminator step: bce(D(real), 1) over the real rows + bce(D(G(z)), 0);
///   the generator is frozen.
///   @g.g_step(gparams, gstate, dparams, hyper, z) -> (gparams', gstate', g_loss)
///   generator step: bce(D(G(z)), 1) through the frozen discriminator.
///   @g.generate(gparams, z) -> G(z)
/// Each network has its own optimizer state.
mlir::LogicalResult buildGanSteps(GanOp g, mlir::SymbolTable &symbols);

} // namespace lathe

#endif
