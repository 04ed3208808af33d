//===- RecurrentLowering.cpp - Embedding, LSTM and dropout ----------------===//
//
// LSTM layout: the loops work time major so that every per-step slice is
// contiguous. The input projection x·K + b of all steps is one matmul
// before the loop; each step adds h·R into its slice of those
// pre-activations (kept for the backward loop) and runs one elementwise
// cell. Backward, the loop only produces the pre-activation gradients dz,
// one tensor per gate; dK, dR, db and dx are then matmuls and reductions
// over all steps, one per gate.
//
// Where the module says a step runs on several threads
// (`lathe.step_parts`, set for the CPU), each loop is cut by the batch: an
// scf.forall of the parts (`lathe.parts`), in which each part runs the
// time loop on its rows of the batch, in place in the whole batch's
// tensors. The rows are independent through a recurrence, so the parts
// compute exactly what the whole loop would.
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/RecurrentLowering.h"
#include "compiler/lowering/RecurrentParts.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lathe;
using namespace lathe::rec;
namespace tb = lathe::tb;
using utils::IteratorType;

namespace {
using tb::add;
using tb::mul;
using tb::sub;
Value ci32(OpBuilder &b, Location l, uint32_t v) {
  return arith::ConstantOp::create(b, l, b.getI32IntegerAttr(int32_t(v)));
}

/// A token id as a row index: ids outside [0, vocab) read row 0.
Value rowIndex(OpBuilder &b, Location loc, Value id, int64_t vocab) {
  Value zero = ci32(b, loc, 0);
  Value ok = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, id, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, id,
                            ci32(b, loc, uint32_t(vocab))));
  Value safe = arith::SelectOp::create(b, loc, ok, id, zero);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), safe);
}
} // namespace

Value lathe::lowerEmbedding(OpBuilder &b, Location loc, Value ids,
                            Value table) {
  ArrayRef<int64_t> is = tb::shapeOf(ids), ts = tb::shapeOf(table);
  MLIRContext *ctx = b.getContext();
  auto id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  Value init =
      tensor::EmptyOp::create(b, loc, {is[0], is[1], ts[1]}, b.getF32Type());
  int64_t vocab = ts[0];
  return tb::generic(b, loc, {ids}, {id3.getMajorSubMap(2)}, init, id3,
                     SmallVector<IteratorType>(3, IteratorType::parallel),
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value r = rowIndex(nb, nl, a[0], vocab);
                       Value d = linalg::IndexOp::create(nb, nl, 2);
                       return Value(tensor::ExtractOp::create(
                           nb, nl, table, ValueRange{r, d}));
                     });
}

Value lathe::embeddingBackward(OpBuilder &b, Location loc, Value ids,
                               Value table, Value dy) {
  ArrayRef<int64_t> is = tb::shapeOf(ids), ts = tb::shapeOf(table);
  int64_t tokens = is[0] * is[1], vocab = ts[0], dim = ts[1];
  Value flatIds = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({tokens}, b.getI32Type()), ids,
      ArrayRef<ReassociationIndices>{{0, 1}});
  Value flatDy = collapseLeading(b, loc, dy);
  auto id1 = AffineMap::getMultiDimIdentityMap(1, b.getContext());
  auto loop = scf::ForOp::create(
      b, loc, cidx(b, loc, 0), cidx(b, loc, tokens), cidx(b, loc, 1),
      ValueRange{tb::filled(b, loc, ts, 0.0)},
      [&](OpBuilder &lb, Location ll, Value i, ValueRange acc) {
        Value tok = tensor::ExtractOp::create(lb, ll, flatIds, ValueRange{i});
        Value r = rowIndex(lb, ll, tok, vocab);
        Value sum = tb::generic(
            lb, ll, {row(lb, ll, flatDy, i)}, {id1}, row(lb, ll, acc[0], r),
            id1, {IteratorType::parallel},
            [](OpBuilder &nb, Location nl, ValueRange a) {
              return add(nb, nl, a[1], a[0]);
            });
        scf::YieldOp::create(lb, ll, setRow(lb, ll, sum, acc[0], r));
      });
  // Row 0 is the padding: it gets no gradient (PyTorch's padding_idx).
  return setRow(b, loc, tb::filled(b, loc, {dim}, 0.0), loop.getResult(0),
                b.getIndexAttr(0));
}

Value lathe::lowerSequenceMask(OpBuilder &b, Location loc, Value ids) {
  return tb::map(
      b, loc, {ids}, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value step = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ne,
                                           a[0], ci32(nb, nl, 0));
        return Value(arith::SelectOp::create(nb, nl, step, tb::f32(nb, nl, 1),
                                             tb::f32(nb, nl, 0)));
      });
}

Value lathe::applyDropoutMask(OpBuilder &b, Location loc, Value v, Value seed,
                              int64_t stream, double rate) {
  ArrayRef<int64_t> shape = tb::shapeOf(v);
  unsigned rank = shape.size();
  Value s = tensor::ExtractOp::create(b, loc, seed, ValueRange{});
  Value key = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, s, ci32(b, loc, 0x9E3779B1u)),
      ci32(b, loc, uint32_t(stream) * 0x85EBCA77u));
  float scale = float(1.0 / (1.0 - rate));
  auto id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return tb::generic(
      b, loc, {v}, {id}, init, id,
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value lin = cidx(nb, nl, 0);
        for (unsigned d = 0; d < rank; ++d) {
          lin = arith::MulIOp::create(nb, nl, lin, cidx(nb, nl, shape[d]));
          lin = arith::AddIOp::create(nb, nl, lin,
                                      linalg::IndexOp::create(nb, nl, d));
        }
        Value h = arith::IndexCastUIOp::create(nb, nl, nb.getI32Type(), lin);
        h = arith::AddIOp::create(
            nb, nl, arith::MulIOp::create(nb, nl, h, ci32(nb, nl, 0xCC9E2D51u)),
            key);
        auto mix = [&](uint32_t shift) {
          h = arith::XOrIOp::create(
              nb, nl, h, arith::ShRUIOp::create(nb, nl, h, ci32(nb, nl, shift)));
        };
        mix(16);
        h = arith::MulIOp::create(nb, nl, h, ci32(nb, nl, 0x85EBCA6Bu));
        mix(13);
        h = arith::MulIOp::create(nb, nl, h, ci32(nb, nl, 0xC2B2AE35u));
        mix(16);
        Value top = arith::ShRUIOp::create(nb, nl, h, ci32(nb, nl, 8));
        Value u = arith::UIToFPOp::create(nb, nl, nb.getF32Type(), top);
        u = mul(nb, nl, u, tb::f32(nb, nl, 1.0 / 16777216.0));
        Value keep = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGE,
                                           u, tb::f32(nb, nl, rate));
        return Value(arith::SelectOp::create(
            nb, nl, keep, mul(nb, nl, a[0], tb::f32(nb, nl, scale)),
            tb::f32(nb, nl, 0)));
      });
}

LSTMForward lathe::lowerLSTM(OpBuilder &b, Location loc, Value x, Value kernel,
                             Value recurrent, Value bias, SequenceMode mode) {
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t batch = xs[0], steps = xs[1], units = tb::shapeOf(recurrent)[0];
  int64_t gates = 4 * units;
  MLIRContext *ctx = b.getContext();
  LSTMForward f;
  f.xFlat =
      collapseLeading(b, loc, timeMajor(b, loc, x, mode.reverse)); // [T*B, F]
  auto id2 = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  Value biasRows = tb::generic(
      b, loc, {bias},
      {col},
      tensor::EmptyOp::create(b, loc, {steps * batch, gates}, b.getF32Type()),
      id2, {IteratorType::parallel, IteratorType::parallel},
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  Value z0 = expandLeading(
      b, loc, tb::matmul(b, loc, f.xFlat, kernel, false, false, biasRows),
      steps);
  // The states of h and of c, row t + 1 written by step t: each its own
  // tensor (one tensor for both was copied twice by bufferization).
  Value h0 = initialStates(b, loc, steps, batch, units),
        c0 = initialStates(b, loc, steps, batch, units);
  bool masked = bool(mode.mask);
  auto recurrence = [&](OpBuilder &b, Location loc, ValueRange in,
                        ValueRange outs) -> SmallVector<Value> {
    auto loop = scf::ForOp::create(
        b, loc, cidx(b, loc, 0), cidx(b, loc, steps), cidx(b, loc, 1),
        outs,
        [&](OpBuilder &lb, Location ll, Value t, ValueRange it) {
          Value z = it[0], h = it[1], c = it[2];
          Value next = arith::AddIOp::create(lb, ll, t, cidx(lb, ll, 1));
          Value zt = tb::matmul(lb, ll, row(lb, ll, h, t), recurrent, false,
                                false, row(lb, ll, z, t));
          Value cPrev = row(lb, ll, c, t);
          SmallVector<Value> ins{cPrev};
          ins.append(gateSlices(lb, ll, zt, units));
          if (masked) // a padding step keeps h and c
            ins.append({row(lb, ll, h, t), row(lb, ll, in[0], t)});
          SmallVector<Value> hc = cellGeneric(
              lb, ll, ins, {row(lb, ll, c, next), row(lb, ll, h, next)},
              [&](OpBuilder &nb, Location nl,
                  ValueRange a) -> SmallVector<Value> {
                Value i = sigmoid(nb, nl, a[1]), fg = sigmoid(nb, nl, a[2]);
                Value g = math::TanhOp::create(nb, nl, a[3]);
                Value o = sigmoid(nb, nl, a[4]);
                Value cn = add(nb, nl, mul(nb, nl, fg, a[0]), mul(nb, nl, i, g));
                Value hn = mul(nb, nl, o, math::TanhOp::create(nb, nl, cn));
                if (!masked)
                  return {cn, hn};
                return {tb::stepOrKeep(nb, nl, a[6], cn, a[0]),
                        tb::stepOrKeep(nb, nl, a[6], hn, a[5])};
              });
          // z[t] is written after the cell reads zt: written before, the
          // reads of zt would make bufferization copy the slice out and back.
          z = setRow(lb, ll, zt, z, t);
          c = setRow(lb, ll, hc[0], c, next);
          h = setRow(lb, ll, hc[1], h, next);
          scf::YieldOp::create(lb, ll, ValueRange{z, h, c});
        });
    return SmallVector<Value>(loop.getResults());
  };
  SmallVector<Batched> in;
  if (masked)
    in.push_back({timeMajorMask(b, loc, mode.mask, mode.reverse), 1});
  SmallVector<Value> r = perBatchPart(b, loc, recurrenceParts(b, batch), in,
                                      {{z0, 1}, {h0, 1}, {c0, 1}}, recurrence);
  f.z = r[0];
  f.h = r[1];
  f.c = r[2];
  f.out = layerOutput(b, loc, f.h, mode);
  return f;
}

SmallVector<Value> lathe::lstmBackward(OpBuilder &b, Location loc,
                                       const LSTMForward &fwd, Value x,
                                       Value kernel, Value recurrent, Value dy,
                                       SequenceMode mode) {
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t batch = xs[0], steps = xs[1], units = tb::shapeOf(recurrent)[0];
  bool returnSequences = mode.returnSequences;
  Value dSeq = returnSequences ? timeMajor(b, loc, dy, mode.reverse) : Value();
  Value zeros = tb::filled(b, loc, {batch, units}, 0.0);
  Value dh0 = returnSequences ? zeros : dy;
  // Rᵀ once, not at every step (a transposed operand is materialized); its
  // rows k·u .. (k+1)·u are gate k's.
  SmallVector<Value> gateRowsT =
      rowBlocks(b, loc, tb::transposed(b, loc, recurrent), units);
  // Per part of the batch (fwd.z, fwd.c, the starting dh and dc, and
  // dSeq as `from`): the gates' gradients side by side in `dzAll`,
  // [T, B, 4u].
  bool masked = bool(mode.mask);
  auto recurrence = [&](OpBuilder &b, Location loc, ValueRange from,
                        ValueRange dzAll) -> SmallVector<Value> {
    Value fz = from[0], fc = from[1], dSeqPart = returnSequences ? from[4] : Value();
    Value maskPart = masked ? from.back() : Value();
    int64_t partRows = tb::shapeOf(fz)[1];
    // One [steps, rows, units] tensor per gate: the cell writes each gate's
    // gradient into its own row in place. (Four column blocks of one
    // [steps, rows, 4u] tensor, written by one op, would be inserted one
    // after the other, and bufferization copies all but the first.)
    SmallVector<Value> carried;
    for (int64_t k = 0; k < 4; ++k)
      carried.push_back(tensor::EmptyOp::create(b, loc, {steps, partRows, units},
                                                b.getF32Type()));
    carried.append({from[2], from[3]});
    auto loop = scf::ForOp::create(
        b, loc, cidx(b, loc, 0), cidx(b, loc, steps), cidx(b, loc, 1), carried,
        [&](OpBuilder &lb, Location ll, Value s, ValueRange it) {
          Value dh = it[4], dc = it[5];
          Value t = arith::SubIOp::create(lb, ll, cidx(lb, ll, steps - 1), s);
          Value next = arith::AddIOp::create(lb, ll, t, cidx(lb, ll, 1));
          Value zt = row(lb, ll, fz, t);
          // With a mask, dh is an output too (read, then overwritten with
          // the part of dh of step t - 1 that a padding step passes on).
          SmallVector<Value> ins{row(lb, ll, fc, t), row(lb, ll, fc, next)};
          if (!masked)
            ins.push_back(dh);
          if (returnSequences)
            ins.push_back(row(lb, ll, dSeqPart, t));
          ins.append(gateSlices(lb, ll, zt, units));
          if (masked)
            ins.push_back(row(lb, ll, maskPart, t));
          SmallVector<Value> outs;
          for (int64_t k = 0; k < 4; ++k)
            outs.push_back(row(lb, ll, it[k], t));
          outs.push_back(dc); // read, then overwritten with dc of step t - 1
          if (masked)
            outs.push_back(dh);
          bool seq = returnSequences;
          size_t dcArg = ins.size() + 4;
          SmallVector<Value> r = cellGeneric(
              lb, ll, ins, outs,
              [&](OpBuilder &nb, Location nl,
                  ValueRange a) -> SmallVector<Value> {
                Value one = tb::f32(nb, nl, 1);
                Value cPrev = a[0], c = a[1], dc = a[dcArg];
                Value dh = masked ? a[dcArg + 1] : a[2];
                unsigned z = masked ? 2 : 3;
                Value dhIn = dh;
                if (seq)
                  dh = add(nb, nl, dh, a[z++]);
                Value i = sigmoid(nb, nl, a[z]), f = sigmoid(nb, nl, a[z + 1]);
                Value g = math::TanhOp::create(nb, nl, a[z + 2]);
                Value o = sigmoid(nb, nl, a[z + 3]);
                Value tc = math::TanhOp::create(nb, nl, c);
                Value dtc = sub(nb, nl, one, mul(nb, nl, tc, tc));
                Value dct = add(nb, nl, dc, mul(nb, nl, mul(nb, nl, dh, o), dtc));
                Value dzi = mul(nb, nl, mul(nb, nl, dct, g), dsigmoid(nb, nl, i));
                Value dzf =
                    mul(nb, nl, mul(nb, nl, dct, cPrev), dsigmoid(nb, nl, f));
                Value dzg = mul(nb, nl, mul(nb, nl, dct, i),
                                sub(nb, nl, one, mul(nb, nl, g, g)));
                Value dzo = mul(nb, nl, mul(nb, nl, dh, tc), dsigmoid(nb, nl, o));
                SmallVector<Value> d{dzi, dzf, dzg, dzo, mul(nb, nl, dct, f)};
                if (!masked)
                  return d;
                // A padding step passes c's and h's gradients through (its
                // element of the sequence is zeros); at a step, the h part
                // is the products' alone, added below.
                d.push_back(tb::f32(nb, nl, 0));
                padStepGrads(nb, nl, a[z + 4], d, 4, {dc, dhIn});
                return d;
              });
          // dh of step t - 1 = Σ_k dz_k Rₖᵀ (plus what a padding step
          // passes on), written over this step's dh.
          Value dhPrev =
              masked ? r[5]
                     : linalg::FillOp::create(lb, ll, tb::f32(lb, ll, 0), dh)
                           .getResult(0);
          for (int64_t k = 0; k < 4; ++k)
            dhPrev = tb::matmul(lb, ll, r[k], gateRowsT[k], false, false, dhPrev);
          // The rows are inserted after their last reads, as in the forward
          // loop, so that they are computed in place.
          SmallVector<Value> yields;
          for (int64_t k = 0; k < 4; ++k)
            yields.push_back(setRow(lb, ll, r[k], it[k], t));
          yields.push_back(dhPrev);
          yields.push_back(r[4]);
          scf::YieldOp::create(lb, ll, yields);
        });
    // The gates side by side again, for the matmuls over all steps (one
    // each, rather than one per gate: less code to compile). Four copies
    // into column blocks, each made after the previous insert so that each
    // is computed in place; in the part, on its rows.
    return {tb::concatLast(b, loc, loop.getResults().take_front(4), dzAll[0])};
  };
  SmallVector<Batched> from{{fwd.z, 1}, {fwd.c, 1}, {dh0, 0}, {zeros, 0}};
  if (returnSequences)
    from.push_back({dSeq, 1});
  if (masked)
    from.push_back({timeMajorMask(b, loc, mode.mask, mode.reverse), 1});
  Value dzAll = tensor::EmptyOp::create(b, loc, {steps, batch, 4 * units},
                                        b.getF32Type());
  Value dzFlat = collapseLeading(
      b, loc, perBatchPart(b, loc, recurrenceParts(b, batch), from, {{dzAll, 1}},
                           recurrence)[0]);
  Value db = tb::sumFirst(b, loc, dzFlat);
  ProductGrads p = productGrads(b, loc, dzFlat, dzFlat, fwd.xFlat, fwd.h,
                                kernel, mode.reverse);
  return {p.dx, p.dkernel, p.drecurrent, db};
}
