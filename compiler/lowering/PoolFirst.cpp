//===- PoolFirst.cpp - Max pooling before a monotone activation -----------===//
//
// relu and leaky_relu (alpha >= 0) never reverse the order of two values,
// so the largest of a window's activations is the activation of its
// largest value: maxpool(act(x)) = act(maxpool(x)), exactly in floating
// point. Pooling first applies the activation to a quarter of the values
// (2x2 windows), and neither the forward step nor the gradient writes or
// reads the full-size activation: the gradient is the activation's, on
// the pooled values, routed to each window's largest input. Where the
// window's largest input is not positive the routed gradient is zero
// either way (relu: the mask is zero there; pooling relu's outputs picks a
// zero whose mask is zero too). Runs on the network functions before
// lathe-autodiff.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "dialect/LatheOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEPOOLFIRST
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// maxpool2d(act(x)) -> act(maxpool2d(x)) where the activation's only use is
/// the pooling.
struct PoolBeforeActivation : OpRewritePattern<lathe::MaxPool2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(lathe::MaxPool2DOp pool,
                                PatternRewriter &rewriter) const override {
    Operation *act = pool.getInput().getDefiningOp();
    if (!act || !act->hasOneUse())
      return failure();
    auto leaky = dyn_cast<lathe::LeakyReluOp>(act);
    if (!isa<lathe::ReluOp>(act) &&
        !(leaky && leaky.getAlpha().convertToDouble() >= 0))
      return failure();
    Value x = act->getOperand(0);
    auto pooled = lathe::MaxPool2DOp::create(rewriter, pool.getLoc(), x,
                                             pool.getSize(), pool.getStride());
    Value result;
    if (leaky)
      result = lathe::LeakyReluOp::create(rewriter, act->getLoc(), pooled.getType(),
                                          pooled, leaky.getAlphaAttr());
    else
      result = lathe::ReluOp::create(rewriter, act->getLoc(), pooled.getType(), pooled);
    rewriter.replaceOp(pool, result);
    rewriter.eraseOp(act);
    return success();
  }
};

struct PoolFirstPass : lathe::impl::LathePoolFirstBase<PoolFirstPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PoolBeforeActivation>(&getContext());
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
