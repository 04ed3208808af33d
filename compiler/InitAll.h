//===- InitAll.h - Register every dialect and pass Lathe uses ---*- C++ -*-===//
#ifndef LATHE_COMPILER_INITALL_H
#define LATHE_COMPILER_INITALL_H

namespace mlir {
class DialectRegistry;
}

namespace lathe {
/// Adds the Lathe dialect and the upstream dialects its pipelines produce.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers Lathe's passes and the upstream passes its pipelines use, so
/// `lathe-opt` can run any stage by name.
void registerAllPasses();
} // namespace lathe

#endif
