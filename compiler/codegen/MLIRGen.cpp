//===- MLIRGen.cpp - Checked AST to the Lathe dialect ---------------------===//
#include "compiler/codegen/MLIRGen.h"
#include "compiler/frontend/LayerParams.h"

#include "dialect/LatheOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace lathe;

namespace {

class Gen {
public:
  Gen(MLIRContext &ctx, const std::string &file, const GenOptions &opts)
      : b(&ctx), file(b.getStringAttr(file)), opts(opts) {}

  OwningOpRef<ModuleOp> run(const Program &p) {
    module = ModuleOp::create(loc(Loc{1, 1}));
    (*module)->setAttr("lathe.source", file);
    b.setInsertionPointToEnd(module->getBody());
    for (const Model &m : p.models)
      genModel(m);
    for (const Gan &g : p.gans)
      genGan(g);
    return std::move(module);
  }

private:
  OpBuilder b;
  StringAttr file;
  const GenOptions &opts;
  OwningOpRef<ModuleOp> module;
  /// The padding mask of the network's token ids (`mask_zero`), once built.
  Value mask_;

  Location loc(Loc l) { return FileLineColLoc::get(file, l.line, l.col); }

  Type tensor(int64_t batch, const std::vector<int64_t> &dims,
              ElemType elem = ElemType::F32) {
    SmallVector<int64_t> shape{batch};
    shape.append(dims.begin(), dims.end());
    Type e = elem == ElemType::F32 ? Type(b.getF32Type())
                                   : Type(b.getI32Type());
    return RankedTensorType::get(shape, e);
  }
  Type tensor(const std::vector<int64_t> &dims) {
    return RankedTensorType::get(dims, b.getF32Type());
  }

  /// Builds `func @name(input, params...) -> output` for a layer list.
  func::FuncOp genNetwork(const std::string &name, Loc at,
                          const SampleType &input,
                          const std::vector<Layer> &layers,
                          const SampleType &output, int64_t batch,
                          const std::string &prefix) {
    std::vector<ParamSpec> params;
    for (const Layer &l : layers)
      for (ParamSpec &p : layerParams(l, prefix))
        params.push_back(std::move(p));
    SmallVector<Type> args{tensor(batch, input.dims, input.elem)};
    for (const ParamSpec &p : params)
      args.push_back(tensor(p.shape));
    auto fnType = b.getFunctionType(args, {tensor(batch, output.dims)});
    auto fn = func::FuncOp::create(b, loc(at), name, fnType);
    fn->setAttr("lathe.network", b.getUnitAttr());
    for (auto [i, p] : llvm::enumerate(params)) {
      fn.setArgAttr(i + 1, "lathe.param", b.getStringAttr(p.name));
      fn.setArgAttr(i + 1, "lathe.init", b.getStringAttr(p.init));
      if (!p.trainable)
        fn.setArgAttr(i + 1, "lathe.buffer", b.getUnitAttr());
    }
    OpBuilder::InsertionGuard guard(b);
    Block *body = fn.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value x = body->getArgument(0);
    unsigned next = 1;
    auto param = [&]() { return body->getArgument(next++); };
    for (const Layer &l : layers)
      x = genLayer(l, x, param, batch);
    func::ReturnOp::create(b, loc(at), x);
    return fn;
  }

  template <typename NextParam>
  Value genLayer(const Layer &l, Value x, NextParam param, int64_t batch) {
    Location at = loc(l.call.loc);
    Value y;
    switch (l.kind) {
    case LayerKind::Dense: {
      Value w = param();
      Value bias = l.useBias ? param() : zeros({l.units}, at);
      y = DenseOp::create(b, at, x, w, bias);
      break;
    }
    case LayerKind::Conv1D: {
      Value f = param(), bias = param();
      y = Conv1DOp::create(b, at, x, f, bias, b.getI64IntegerAttr(l.stride),
                           b.getStringAttr(l.samePadding ? "same" : "valid"));
      break;
    }
    case LayerKind::Conv2D: {
      Value f = param(), bias = param();
      y = Conv2DOp::create(b, at, x, f, bias,
                           b.getI64IntegerAttr(l.stride),
                           b.getStringAttr(l.samePadding ? "same" : "valid"));
      break;
    }
    case LayerKind::Conv2DTranspose: {
      Value f = param(), bias = param();
      y = Conv2DTransposeOp::create(
          b, at, x, f, bias, b.getI64IntegerAttr(l.stride),
          b.getStringAttr(l.samePadding ? "same" : "valid"));
      break;
    }
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: {
      // A sequence [batch, time, channels] is pooled over time.
      auto size = b.getI64IntegerAttr(l.kernel);
      auto stride = b.getI64IntegerAttr(l.stride);
      bool seq = l.input.dims.size() == 2;
      if (l.kind == LayerKind::MaxPool)
        y = seq ? Value(MaxPool1DOp::create(b, at, x, size, stride))
                : Value(MaxPool2DOp::create(b, at, x, size, stride));
      else
        y = seq ? Value(AvgPool1DOp::create(b, at, x, size, stride))
                : Value(AvgPool2DOp::create(b, at, x, size, stride));
      break;
    }
    case LayerKind::GlobalAvgPool:
      y = GlobalAvgPoolOp::create(b, at, x, stepMask(l));
      break;
    case LayerKind::GlobalMaxPool:
      y = GlobalMaxPoolOp::create(b, at, x, stepMask(l));
      break;
    case LayerKind::Flatten:
      y = FlattenOp::create(b, at, x);
      break;
    case LayerKind::Reshape:
      y = ReshapeOp::create(b, at, tensor(batch, l.dims), x);
      break;
    case LayerKind::Embedding:
      y = EmbeddingOp::create(b, at, x, param());
      if (l.maskZero)
        mask_ = SequenceMaskOp::create(b, at, x);
      break;
    case LayerKind::LSTM:
    case LayerKind::GRU: {
      // A bidirectional layer: a second one reads the sequence backwards,
      // and the two directions' results are joined side by side.
      auto direction = [&](bool reverse) -> Value {
        Value k = param(), r = param(), bias = param();
        BoolAttr seq = b.getBoolAttr(l.returnSequences);
        UnitAttr rev = reverse ? b.getUnitAttr() : UnitAttr();
        if (l.kind == LayerKind::LSTM)
          return LSTMOp::create(b, at, x, k, r, bias, stepMask(l), seq, rev);
        return GRUOp::create(b, at, x, k, r, bias, stepMask(l), seq, rev);
      };
      y = direction(false);
      if (l.bidirectional)
        y = ConcatOp::create(b, at, ValueRange{y, direction(true)});
      break;
    }
    case LayerKind::LayerNorm: {
      Value gamma = param(), beta = param();
      y = LayerNormOp::create(b, at, x, gamma, beta, b.getF64FloatAttr(l.rate));
      break;
    }
    case LayerKind::BatchNorm: {
      Value gamma = param(), beta = param(), mean = param(), var = param();
      y = BatchNormOp::create(b, at, x, gamma, beta, mean, var,
                              b.getF64FloatAttr(l.rate),
                              b.getF64FloatAttr(l.momentum));
      break;
    }
    case LayerKind::Dropout:
      y = DropoutOp::create(b, at, x, Value(), b.getF64FloatAttr(l.rate),
                            b.getI64IntegerAttr(0));
      break;
    case LayerKind::Relu: y = ReluOp::create(b, at, x); break;
    case LayerKind::Sigmoid: y = SigmoidOp::create(b, at, x); break;
    case LayerKind::Tanh: y = TanhOp::create(b, at, x); break;
    case LayerKind::Softmax: y = SoftmaxOp::create(b, at, x); break;
    case LayerKind::LeakyRelu:
      y = LeakyReluOp::create(b, at, x, b.getF64FloatAttr(l.rate));
      break;
    }
    return activate(l, y);
  }

  /// The mask of a layer's input sequence, if it is masked.
  Value stepMask(const Layer &l) { return l.input.masked ? mask_ : Value(); }

  Value activate(const Layer &l, Value x) {
    Location at = loc(l.activationLoc.valid() ? l.activationLoc : l.call.loc);
    switch (l.activation) {
    case Activation::Linear: return x;
    case Activation::Relu: return ReluOp::create(b, at, x);
    case Activation::Sigmoid: return SigmoidOp::create(b, at, x);
    case Activation::Tanh: return TanhOp::create(b, at, x);
    case Activation::Softmax: return SoftmaxOp::create(b, at, x);
    case Activation::LeakyRelu:
      return LeakyReluOp::create(b, at, x, b.getF64FloatAttr(l.alpha));
    }
    return x;
  }

  Value constant(Type t, float v, Location at) {
    auto st = cast<ShapedType>(t);
    return arith::ConstantOp::create(b, at, DenseElementsAttr::get(st, v));
  }
  Value zeros(const std::vector<int64_t> &dims, Location at) {
    return constant(tensor(dims), 0.0f, at);
  }

  Value genLoss(const Settings &s, Location at, Value p, Value t) {
    const std::string &loss = s.lossName;
    if (loss == "mse")
      return MSEOp::create(b, at, p, t, Value());
    if (loss == "binary_crossentropy")
      return BinaryCrossEntropyOp::create(b, at, p, t, Value());
    FloatAttr smoothing = b.getF64FloatAttr(s.labelSmoothing);
    if (loss == "categorical_crossentropy")
      return CategoricalCrossEntropyOp::create(b, at, p, t, Value(), smoothing);
    return SparseCategoricalCrossEntropyOp::create(b, at, p, t, Value(),
                                                   smoothing);
  }

  Type targetType(const TargetDecl &t, int64_t batch) {
    switch (t.kind) {
    case TargetDecl::Class:
      return RankedTensorType::get({batch}, b.getI32Type());
    case TargetDecl::OneHot: return tensor(batch, {t.classes});
    case TargetDecl::Binary: return tensor(batch, {1});
    case TargetDecl::Tensor: return tensor(batch, t.type.dims);
    }
    return {};
  }

  DictionaryAttr optimizerAttr(const Settings &s) {
    SmallVector<NamedAttribute> a{
        b.getNamedAttr("name", b.getStringAttr(s.optimizerName))};
    for (auto &[k, v] : s.optimizerParams)
      if (optimizerSettingShown(k, v))
        a.push_back(b.getNamedAttr(k, b.getF64FloatAttr(v)));
    if (s.lrSchedule != "constant")
      a.push_back(b.getNamedAttr("schedule", b.getStringAttr(s.lrSchedule)));
    return b.getDictionaryAttr(a);
  }

  Attribute valueAttr(const lathe::Literal &v) {
    switch (v.kind) {
    case lathe::Literal::Int: return b.getI64IntegerAttr(v.i);
    case lathe::Literal::Float: return b.getF64FloatAttr(v.f);
    case lathe::Literal::Name:
      if (v.s == "true" || v.s == "false")
        return b.getBoolAttr(v.s == "true");
      return b.getStringAttr(v.s);
    case lathe::Literal::String: return b.getStringAttr(v.s);
    case lathe::Literal::List: {
      SmallVector<Attribute> items;
      for (const lathe::Literal &x : v.list)
        items.push_back(valueAttr(x));
      return b.getArrayAttr(items);
    }
    }
    return {};
  }

  /// The data binding: the file's, unless the command line names another.
  DictionaryAttr dataAttr(const Settings &s) {
    SmallVector<NamedAttribute> a;
    if (!opts.dataKind.empty()) {
      a.push_back(b.getNamedAttr("kind", b.getStringAttr(opts.dataKind)));
      if (!opts.dataPath.empty())
        a.push_back(b.getNamedAttr("path", b.getStringAttr(opts.dataPath)));
      if (s.data && s.data->name == opts.dataKind)
        for (const Arg &arg : s.data->args)
          if (arg.key != "path" || opts.dataPath.empty())
            a.push_back(b.getNamedAttr(arg.key, valueAttr(arg.value)));
    } else if (s.data) {
      a.push_back(b.getNamedAttr("kind", b.getStringAttr(s.data->name)));
      for (const Arg &arg : s.data->args)
        a.push_back(b.getNamedAttr(arg.key, valueAttr(arg.value)));
    }
    return b.getDictionaryAttr(a);
  }

  int64_t batchOf(const Settings &s) {
    return opts.batch > 0 ? opts.batch : s.batch;
  }
  int64_t epochsOf(const Settings &s) {
    return opts.epochs > 0 ? opts.epochs : s.epochs;
  }

  void genModel(const Model &m) {
    const Settings &s = m.settings;
    int64_t batch = batchOf(s);
    SampleType out = m.layers.back().output;
    auto net = genNetwork(m.name + ".net", m.loc, *m.input, m.layers, out,
                          batch, "");
    // @m.loss(x, y, params...) = loss(net(x, params...), y)
    SmallVector<Type> args{net.getArgumentTypes().front(),
                           targetType(*m.target, batch)};
    args.append(net.getArgumentTypes().begin() + 1,
                net.getArgumentTypes().end());
    Location at = loc(s.loss->loc);
    auto lossFn = func::FuncOp::create(
        b, at, m.name + ".loss",
        b.getFunctionType(args, {RankedTensorType::get({}, b.getF32Type())}));
    for (unsigned i = 1; i < net.getNumArguments(); ++i)
      lossFn.setArgAttrs(i + 1, net.getArgAttrDict(i));
    {
      OpBuilder::InsertionGuard guard(b);
      Block *body = lossFn.addEntryBlock();
      b.setInsertionPointToStart(body);
      SmallVector<Value> callArgs{body->getArgument(0)};
      for (unsigned i = 2; i < body->getNumArguments(); ++i)
        callArgs.push_back(body->getArgument(i));
      auto call = func::CallOp::create(b, at, net, callArgs);
      Value l = genLoss(s, at, call.getResult(0),
                        body->getArgument(1));
      func::ReturnOp::create(b, at, l);
    }
    SmallVector<Attribute> metrics;
    for (const std::string &x : s.metricNames)
      metrics.push_back(b.getStringAttr(x));
    SupervisedOp::create(
        b, loc(m.loc), b.getStringAttr(m.name),
        FlatSymbolRefAttr::get(net.getSymNameAttr()),
        FlatSymbolRefAttr::get(lossFn.getSymNameAttr()),
        b.getStringAttr(s.lossName), optimizerAttr(s),
        b.getI64IntegerAttr(batch), b.getI64IntegerAttr(epochsOf(s)),
        b.getArrayAttr(metrics), b.getF64FloatAttr(s.validationSplit),
        b.getI64IntegerAttr(s.seed), dataAttr(s),
        b.getI64IntegerAttr(s.earlyStopping),
        b.getF64FloatAttr(s.labelSmoothing));
  }

  void genGan(const Gan &g) {
    const Settings &s = g.settings;
    int64_t batch = batchOf(s);
    const Network &gn = *g.gen, &dn = *g.disc;
    auto gen = genNetwork(g.name + ".generator", gn.loc, gn.input, gn.layers,
                          *gn.output, batch, gn.name + ".");
    auto disc = genNetwork(g.name + ".discriminator", dn.loc, dn.input,
                           dn.layers, *dn.output, batch, dn.name + ".");
    Location at = loc(s.loss->loc);
    Type scalar = RankedTensorType::get({}, b.getF32Type());
    Type z = gen.getArgumentTypes().front();
    Type real = disc.getArgumentTypes().front();
    Type label = tensor(batch, {1});
    auto gParams = gen.getArgumentTypes().drop_front();
    auto dParams = disc.getArgumentTypes().drop_front();

    // Builds a loss function over (leading..., generator params, discriminator
    // params); `body` computes the loss from the block arguments.
    auto lossFn = [&](const std::string &name, SmallVector<Type> leading,
                      auto body) {
      SmallVector<Type> args = leading;
      args.append(gParams.begin(), gParams.end());
      args.append(dParams.begin(), dParams.end());
      auto fn = func::FuncOp::create(b, at, name,
                                     b.getFunctionType(args, {scalar}));
      unsigned n = leading.size();
      for (unsigned i = 1; i < gen.getNumArguments(); ++i)
        fn.setArgAttrs(n + i - 1, gen.getArgAttrDict(i));
      for (unsigned i = 1; i < disc.getNumArguments(); ++i)
        fn.setArgAttrs(n + gParams.size() + i - 1, disc.getArgAttrDict(i));
      OpBuilder::InsertionGuard guard(b);
      Block *blk = fn.addEntryBlock();
      b.setInsertionPointToStart(blk);
      auto argsOf = [&](Value first, bool generator) {
        SmallVector<Value> v{first};
        unsigned start = n + (generator ? 0 : gParams.size());
        unsigned count = generator ? gParams.size() : dParams.size();
        for (unsigned i = 0; i < count; ++i)
          v.push_back(blk->getArgument(start + i));
        return v;
      };
      auto callGen = [&](Value zv) {
        return func::CallOp::create(b, at, gen, argsOf(zv, true)).getResult(0);
      };
      auto callDisc = [&](Value xv) {
        return func::CallOp::create(b, at, disc, argsOf(xv, false))
            .getResult(0);
      };
      Value l = body(blk, callGen, callDisc);
      func::ReturnOp::create(b, at, l);
    };
    // d_loss(real, z) = bce(D(real), 1) + bce(D(G(z)), 0)
    lossFn(g.name + ".d_loss", {real, z},
           [&](Block *blk, auto callGen, auto callDisc) {
             Value dReal = callDisc(blk->getArgument(0));
             Value dFake = callDisc(callGen(blk->getArgument(1)));
             Value ones = constant(label, 1.0f, at);
             Value zero = constant(label, 0.0f, at);
             Value lr = BinaryCrossEntropyOp::create(b, at, dReal, ones, Value());
             Value lf = BinaryCrossEntropyOp::create(b, at, dFake, zero, Value());
             return Value(arith::AddFOp::create(b, at, lr, lf));
           });
    // g_loss(z) = bce(D(G(z)), 1)
    lossFn(g.name + ".g_loss", {z},
           [&](Block *blk, auto callGen, auto callDisc) {
             Value dFake = callDisc(callGen(blk->getArgument(0)));
             Value ones = constant(label, 1.0f, at);
             return Value(BinaryCrossEntropyOp::create(b, at, dFake, ones, Value()));
           });
    GanOp::create(b, loc(g.loc), b.getStringAttr(g.name),
                  FlatSymbolRefAttr::get(gen.getSymNameAttr()),
                  FlatSymbolRefAttr::get(disc.getSymNameAttr()),
                  b.getStringAttr(g.noiseKind),
                  b.getI64IntegerAttr(g.noiseDim),
                  b.getStringAttr(s.lossName), optimizerAttr(s),
                  b.getI64IntegerAttr(batch),
                  b.getI64IntegerAttr(epochsOf(s)),
                  b.getI64IntegerAttr(s.seed), dataAttr(s));
  }
};
} // namespace

OwningOpRef<ModuleOp> lathe::mlirGen(MLIRContext &ctx, const Program &program,
                                     const std::string &fileName,
                                     const GenOptions &options) {
  return Gen(ctx, fileName, options).run(program);
}
