//===- Workspace.cpp - A step's buffers in one preallocated block ---------===//
//
// After bufferization, an entry point (a training step, an evaluation, a
// prediction) allocates its intermediate buffers at its top and frees them
// before it returns: every call of the step called malloc and free for
// each (the spam LSTM 22 times a step, the DCGAN's steps 40). Each such
// buffer of static size becomes a view at a fixed offset of one block of
// memory that all the entry points share, a global reserved once for the
// life of the program (zero pages until first touched), so a step
// allocates nothing. For a JIT (`declared`), a declaration that names its
// size: JITLink zeroes a defined block when it loads the code (the
// DCGAN's 54 MB took 0.18 s of `lathe run`'s time to the first step).
// Buffers whose lives (first use to last) do not overlap share their
// bytes.
// Buffers allocated inside loops or parallel regions are left alone (a
// buffer of a parallel body is one per thread); a small one at the top of
// the function a thread runs for its part goes on that thread's stack.
//
// The entry points are not reentrant afterwards: two concurrent calls
// would share the workspace. The runtime calls them from one thread, one
// at a time.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>
#include <string>

namespace lathe {
#define GEN_PASS_DEF_LATHEWORKSPACE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// The largest buffer of a task that goes on the stack.
constexpr int64_t kStackBytes = 16 << 10;
/// Alignment of each buffer in the workspace (a cache line; the
/// allocations ask for 64).
constexpr int64_t kAlign = 64;

/// Bytes of a buffer of `type` when it can live in a workspace: a static
/// shape, the identity layout and an element type of whole bytes; 0 when
/// it cannot.
int64_t workspaceBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return 0;
  Type e = type.getElementType();
  if (!e.isIntOrFloat() || e.getIntOrFloatBitWidth() % 8)
    return 0;
  return type.getNumElements() * (e.getIntOrFloatBitWidth() / 8);
}

/// A buffer of an entry point: its allocation, its bytes in the
/// workspace, the positions of the first and last ops of the entry block
/// that use it, and its offset.
struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes, first, last, offset = 0;
  SmallVector<Operation *> deallocs; // of it or of a view of it
};

struct WorkspacePass : lathe::impl::LatheWorkspaceBase<WorkspacePass> {
  using LatheWorkspaceBase::LatheWorkspaceBase;

  /// A small buffer at the top of a function that is not an entry point
  /// (a part's block of a weight gradient, in the task a thread runs)
  /// lives on the stack of the thread that runs it.
  static void stackSmallBuffers(func::FuncOp f) {
    Block &entry = f.getBody().front();
    for (auto alloc : llvm::make_early_inc_range(entry.getOps<memref::AllocOp>())) {
      int64_t bytes = workspaceBytes(alloc.getType());
      if (!bytes || bytes > kStackBytes)
        continue;
      SmallVector<Operation *> deallocs;
      bool local = true;
      for (Operation *user : alloc->getUsers()) {
        if (isa<memref::DeallocOp>(user)) {
          local &= user->getBlock() == &entry;
          deallocs.push_back(user);
        } else {
          local &= !isa<func::ReturnOp>(user);
        }
      }
      if (!local)
        continue;
      OpBuilder b(alloc);
      auto stack = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(), ValueRange{},
                                            b.getI64IntegerAttr(kAlign));
      alloc.replaceAllUsesWith(stack.getResult());
      for (Operation *d : deallocs)
        d->erase();
      alloc.erase();
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal() && !f->hasAttr("lathe.entry"))
        stackSmallBuffers(f);
    SymbolTable symbols(module);
    SmallVector<std::pair<func::FuncOp, SmallVector<Buffer>>> entries;
    int64_t size = 0;
    for (auto f : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (f.isExternal() || !f->hasAttr("lathe.entry"))
        continue;
      Block &entry = f.getBody().front();
      // The entry block's allocations freed only in the entry block, each
      // live from its first use to its last (positions of the entry
      // block's ops that hold them; the deallocations, which are erased,
      // all come at the end).
      DenseMap<Operation *, int64_t> position;
      for (Operation &op : entry)
        position[&op] = position.size();
      SmallVector<Buffer> buffers;
      for (auto alloc : entry.getOps<memref::AllocOp>()) {
        int64_t bytes = workspaceBytes(alloc.getType());
        if (!bytes || (alloc.getAlignment() && kAlign % *alloc.getAlignment()))
          continue;
        Buffer buf{alloc, (bytes + kAlign - 1) / kAlign * kAlign,
                   std::numeric_limits<int64_t>::max(), 0, 0, {}};
        // Its uses, and those of every buffer an op of the entry block
        // makes of it (a view, a loop's result). One returned, or freed in
        // a nested region, stays an allocation.
        bool keep = false;
        SmallVector<Value> values = {alloc.getResult()};
        DenseSet<Value> seen(values.begin(), values.end());
        while (!values.empty()) {
          for (Operation *user : values.pop_back_val().getUsers()) {
            if (isa<memref::DeallocOp>(user)) {
              keep |= user->getBlock() != &entry;
              buf.deallocs.push_back(user);
              continue;
            }
            keep |= isa<func::ReturnOp>(user);
            Operation *at = entry.findAncestorOpInBlock(*user);
            buf.first = std::min(buf.first, position[at]);
            buf.last = std::max(buf.last, position[at]);
            for (Value r : at->getResults())
              if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
                values.push_back(r);
          }
        }
        if (keep)
          continue;
        buffers.push_back(buf);
      }
      // First fit, in order of first use: the lowest offset that no buffer
      // live at the same time holds.
      llvm::sort(buffers, [&](const Buffer &a, const Buffer &b) {
        return std::make_pair(a.first, position[a.alloc]) <
               std::make_pair(b.first, position[b.alloc]);
      });
      int64_t total = 0;
      for (size_t i = 0; i < buffers.size(); ++i) {
        Buffer &buf = buffers[i];
        SmallVector<std::pair<int64_t, int64_t>> taken; // [begin, end)
        for (size_t j = 0; j < i; ++j)
          if (buffers[j].last >= buf.first && buffers[j].first <= buf.last)
            taken.push_back({buffers[j].offset, buffers[j].offset + buffers[j].bytes});
        llvm::sort(taken);
        int64_t at = 0;
        for (auto [begin, end] : taken) {
          if (at + buf.bytes <= begin)
            break;
          at = std::max(at, end);
        }
        buf.offset = at;
        total = std::max(total, at + buf.bytes);
      }
      if (!buffers.empty())
        entries.push_back({f, std::move(buffers)});
      size = std::max(size, total);
    }
    if (entries.empty())
      return;
    // One workspace for all the entry points, which run one at a time:
    // the DCGAN's two steps, each in a block of its own, ran 6% slower than
    // in the memory malloc gave them; in one block, as fast.
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToStart(module.getBody());
    auto blockType = MemRefType::get({size}, b.getI8Type());
    auto global =
        declared
            ? memref::GlobalOp::create(
                  b, module.getLoc(), "lathe.workspace." + std::to_string(size),
                  /*sym_visibility=*/StringAttr(), blockType, Attribute(),
                  /*constant=*/false, b.getI64IntegerAttr(kAlign))
            : memref::GlobalOp::create(
                  b, module.getLoc(), "lathe.workspace",
                  b.getStringAttr("private"), blockType, b.getUnitAttr(),
                  /*constant=*/false, b.getI64IntegerAttr(kAlign));
    symbols.insert(global);
    for (auto &[f, buffers] : entries) {
      b.setInsertionPointToStart(&f.getBody().front());
      Value block = memref::GetGlobalOp::create(b, f.getLoc(), blockType,
                                                global.getSymName());
      for (auto &[alloc, bytes, first, last, offset, deallocs] : buffers) {
        for (Operation *dealloc : deallocs)
          dealloc->erase();
        b.setInsertionPoint(alloc);
        Value at = arith::ConstantIndexOp::create(b, alloc.getLoc(), offset);
        Value view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(),
                                            block, at, ValueRange{});
        alloc.replaceAllUsesWith(view);
        alloc.erase();
      }
    }
  }
};
} // namespace
