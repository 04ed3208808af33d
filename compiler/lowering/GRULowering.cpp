//===- GRULowering.cpp - The gated recurrent unit -------------------------===//
//
// Forward, per step t (gates z, r, n side by side in 3U columns):
//
//   xz = x_t K + b0   (all steps at once, one matmul before the loop)
//   hz = h_t R + b1   (the loop's matmul, kept for the backward loop)
//   z = σ(xz_z + hz_z), r = σ(xz_r + hz_r), n = tanh(xz_n + r hz_n)
//   h_{t+1} = z h_t + (1 - z) n
//
// Backward, the loop produces per step the gradients of the input's
// pre-activations dA = [dz', dr', dn'] and of the state's, which differ in
// the candidate's block only: dC = [dz', dr', dn' r]. The kernel's, the
// biases' and the input's gradients are then matmuls and sums of dA over
// all steps; the recurrent kernel's of dC.
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/GRULowering.h"
#include "compiler/lowering/RecurrentParts.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lathe;
using namespace lathe::rec;
namespace tb = lathe::tb;
using tb::add;
using tb::mul;
using tb::sub;
using utils::IteratorType;

namespace {
/// `v` [n] broadcast into the rows of `init` [rows, n].
Value broadcastRows(OpBuilder &b, Location loc, Value v, Value init) {
  MLIRContext *ctx = b.getContext();
  return tb::generic(b, loc, {v},
                     {AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx)},
                     init, AffineMap::getMultiDimIdentityMap(2, ctx),
                     {IteratorType::parallel, IteratorType::parallel},
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// The gates from the input's and the state's pre-activations
/// (a[0..2] and a[3..5]): {z, r, n}.
SmallVector<Value> gates(OpBuilder &b, Location l, ValueRange x, ValueRange h) {
  Value z = sigmoid(b, l, add(b, l, x[0], h[0]));
  Value r = sigmoid(b, l, add(b, l, x[1], h[1]));
  Value n = math::TanhOp::create(b, l, add(b, l, x[2], mul(b, l, r, h[2])));
  return {z, r, n};
}
} // namespace

GRUForward lathe::lowerGRU(OpBuilder &b, Location loc, Value x, Value kernel,
                           Value recurrent, Value bias, SequenceMode mode) {
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t batch = xs[0], steps = xs[1], units = tb::shapeOf(recurrent)[0];
  int64_t width = 3 * units;
  GRUForward f;
  f.xFlat =
      collapseLeading(b, loc, timeMajor(b, loc, x, mode.reverse)); // [T*B, F]
  Value inputBias = row(b, loc, bias, b.getIndexAttr(0));
  Value stateBias = row(b, loc, bias, b.getIndexAttr(1));
  Value xz = expandLeading(
      b, loc,
      tb::matmul(
          b, loc, f.xFlat, kernel, false, false,
          broadcastRows(b, loc, inputBias,
                        tensor::EmptyOp::create(b, loc, {steps * batch, width},
                                                b.getF32Type()))),
      steps);
  f.xz = xz;
  Value hz0 =
      tensor::EmptyOp::create(b, loc, {steps, batch, width}, b.getF32Type());
  Value h0 = initialStates(b, loc, steps, batch, units);
  bool masked = bool(mode.mask);
  auto recurrence = [&](OpBuilder &b, Location loc, ValueRange in,
                        ValueRange outs) -> SmallVector<Value> {
    Value xzPart = in[0];
    auto loop = scf::ForOp::create(
        b, loc, cidx(b, loc, 0), cidx(b, loc, steps), cidx(b, loc, 1), outs,
        [&](OpBuilder &lb, Location ll, Value t, ValueRange it) {
          Value hz = it[0], h = it[1];
          Value next = arith::AddIOp::create(lb, ll, t, cidx(lb, ll, 1));
          Value hPrev = row(lb, ll, h, t);
          Value hzt =
              tb::matmul(lb, ll, hPrev, recurrent, false, false,
                         broadcastRows(lb, ll, stateBias, row(lb, ll, hz, t)));
          SmallVector<Value> ins{hPrev};
          ins.append(gateSlices(lb, ll, row(lb, ll, xzPart, t), units));
          ins.append(gateSlices(lb, ll, hzt, units));
          if (masked) // a padding step keeps h
            ins.push_back(row(lb, ll, in[1], t));
          Value hNext = cellGeneric(
              lb, ll, ins, {row(lb, ll, h, next)},
              [&](OpBuilder &nb, Location nl,
                  ValueRange a) -> SmallVector<Value> {
                SmallVector<Value> g =
                    gates(nb, nl, a.slice(1, 3), a.slice(4, 3));
                // z h + (1 - z) n = n + z (h - n)
                Value hn = add(nb, nl, g[2],
                               mul(nb, nl, g[0], sub(nb, nl, a[0], g[2])));
                if (masked)
                  hn = tb::stepOrKeep(nb, nl, a[7], hn, a[0]);
                return {hn};
              })[0];
          // As in the LSTM: rows inserted after their last reads, so that
          // they are computed in place.
          hz = setRow(lb, ll, hzt, hz, t);
          h = setRow(lb, ll, hNext, h, next);
          scf::YieldOp::create(lb, ll, ValueRange{hz, h});
        });
    return SmallVector<Value>(loop.getResults());
  };
  SmallVector<Batched> in{{xz, 1}};
  if (masked)
    in.push_back({timeMajorMask(b, loc, mode.mask, mode.reverse), 1});
  SmallVector<Value> r = perBatchPart(b, loc, recurrenceParts(b, batch), in,
                                      {{hz0, 1}, {h0, 1}}, recurrence);
  f.hz = r[0];
  f.h = r[1];
  f.out = layerOutput(b, loc, f.h, mode);
  return f;
}

SmallVector<Value> lathe::gruBackward(OpBuilder &b, Location loc,
                                      const GRUForward &fwd, Value x,
                                      Value kernel, Value recurrent, Value dy,
                                      SequenceMode mode) {
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t batch = xs[0], steps = xs[1], units = tb::shapeOf(recurrent)[0];
  int64_t width = 3 * units;
  bool returnSequences = mode.returnSequences;
  Value dSeq = returnSequences ? timeMajor(b, loc, dy, mode.reverse) : Value();
  Value dh0 = returnSequences ? tb::filled(b, loc, {batch, units}, 0.0) : dy;
  // Rᵀ once, not at every step; its rows k·u .. (k+1)·u are gate k's.
  SmallVector<Value> gateRowsT =
      rowBlocks(b, loc, tb::transposed(b, loc, recurrent), units);
  // Per part of the batch (xz, hz, h, the starting dh and dSeq as `from`):
  // dA and dC, [T, B, 3u] each.
  bool masked = bool(mode.mask);
  auto recurrence = [&](OpBuilder &b, Location loc, ValueRange from,
                        ValueRange outs) -> SmallVector<Value> {
    Value fxz = from[0], fhz = from[1], fh = from[2];
    Value dSeqPart = returnSequences ? from[4] : Value();
    Value maskPart = masked ? from.back() : Value();
    int64_t partRows = tb::shapeOf(fxz)[1];
    // One [steps, rows, units] tensor per block, each written a row at a
    // time in place: dz', dr', dn' and the candidate's state gradient dn' r.
    SmallVector<Value> carried;
    for (int64_t k = 0; k < 4; ++k)
      carried.push_back(tensor::EmptyOp::create(
          b, loc, {steps, partRows, units}, b.getF32Type()));
    carried.push_back(from[3]);
    auto loop = scf::ForOp::create(
        b, loc, cidx(b, loc, 0), cidx(b, loc, steps), cidx(b, loc, 1), carried,
        [&](OpBuilder &lb, Location ll, Value s, ValueRange it) {
          Value t = arith::SubIOp::create(lb, ll, cidx(lb, ll, steps - 1), s);
          SmallVector<Value> ins{row(lb, ll, fh, t)};
          if (returnSequences)
            ins.push_back(row(lb, ll, dSeqPart, t));
          ins.append(gateSlices(lb, ll, row(lb, ll, fxz, t), units));
          ins.append(gateSlices(lb, ll, row(lb, ll, fhz, t), units));
          if (masked)
            ins.push_back(row(lb, ll, maskPart, t));
          SmallVector<Value> outs;
          for (int64_t k = 0; k < 4; ++k)
            outs.push_back(row(lb, ll, it[k], t));
          outs.push_back(it[4]); // dh: read, then overwritten with dh z
          bool seq = returnSequences;
          size_t dhArg = ins.size() + 4;
          SmallVector<Value> r = cellGeneric(
              lb, ll, ins, outs,
              [&](OpBuilder &nb, Location nl,
                  ValueRange a) -> SmallVector<Value> {
                Value one = tb::f32(nb, nl, 1);
                Value hPrev = a[0], dh = a[dhArg], dhIn = dh;
                unsigned p = 1;
                if (seq)
                  dh = add(nb, nl, dh, a[p++]);
                ValueRange xg = a.slice(p, 3), hg = a.slice(p + 3, 3);
                SmallVector<Value> g = gates(nb, nl, xg, hg);
                Value z = g[0], r = g[1], n = g[2];
                Value dn = mul(nb, nl, dh, sub(nb, nl, one, z));
                Value dnp =
                    mul(nb, nl, dn, sub(nb, nl, one, mul(nb, nl, n, n)));
                Value dzp = mul(nb, nl, mul(nb, nl, dh, sub(nb, nl, hPrev, n)),
                                dsigmoid(nb, nl, z));
                Value drp =
                    mul(nb, nl, mul(nb, nl, dnp, hg[2]), dsigmoid(nb, nl, r));
                SmallVector<Value> d{dzp, drp, dnp, mul(nb, nl, dnp, r),
                                     mul(nb, nl, dh, z)};
                if (!masked)
                  return d;
                // A padding step passes h's gradient through (its element
                // of the sequence is zeros).
                padStepGrads(nb, nl, a[p + 6], d, 4, {dhIn});
                return d;
              });
          // dh of step t - 1 = dh z + Σ_k dC_k Rₖᵀ, in place of this
          // step's dh.
          Value dhPrev = r[4];
          for (int64_t k : {0, 1, 3})
            dhPrev = tb::matmul(lb, ll, r[k], gateRowsT[k == 3 ? 2 : k], false,
                                false, dhPrev);
          SmallVector<Value> yields;
          for (int64_t k = 0; k < 4; ++k)
            yields.push_back(setRow(lb, ll, r[k], it[k], t));
          yields.push_back(dhPrev);
          scf::YieldOp::create(lb, ll, yields);
        });
    ValueRange blocks = loop.getResults();
    return {tb::concatLast(b, loc, {blocks[0], blocks[1], blocks[2]}, outs[0]),
            tb::concatLast(b, loc, {blocks[0], blocks[1], blocks[3]}, outs[1])};
  };
  SmallVector<Batched> from{{fwd.xz, 1}, {fwd.hz, 1}, {fwd.h, 1}, {dh0, 0}};
  if (returnSequences)
    from.push_back({dSeq, 1});
  if (masked)
    from.push_back({timeMajorMask(b, loc, mode.mask, mode.reverse), 1});
  auto empty = [&] {
    return tensor::EmptyOp::create(b, loc, {steps, batch, width},
                                   b.getF32Type());
  };
  SmallVector<Value> d = perBatchPart(b, loc, recurrenceParts(b, batch), from,
                                      {{empty(), 1}, {empty(), 1}}, recurrence);
  Value dA = collapseLeading(b, loc, d[0]), dC = collapseLeading(b, loc, d[1]);
  Value db = tensor::EmptyOp::create(b, loc, {2, width}, b.getF32Type());
  db = setRow(b, loc, tb::sumFirst(b, loc, dA), db, b.getIndexAttr(0));
  db = setRow(b, loc, tb::sumFirst(b, loc, dC), db, b.getIndexAttr(1));
  ProductGrads p =
      productGrads(b, loc, dA, dC, fwd.xFlat, fwd.h, kernel, mode.reverse);
  return {p.dx, p.dkernel, p.drecurrent, db};
}
