// An entry point's buffers become views of one global block that all entry
// points share: its size is the largest entry point's, buffers whose uses
// do not overlap share bytes, each starts at a multiple of 64 bytes, and
// their deallocations are erased. A buffer allocated in a loop body stays
// an allocation. A function that is not an entry point (a task a thread
// runs) keeps its buffers too, but those of at most 16 KB at its top go on
// the stack: one per thread.
// RUN: lathe-opt %s --lathe-workspace | FileCheck %s
// Declared for a JIT to map (`lathe run`): a public declaration named with
// its bytes, the same views of it.
// RUN: lathe-opt %s --lathe-workspace=declared=true | FileCheck %s --check-prefix=DECL
// DECL: memref.global @lathe.workspace.1088 : memref<1088xi8> {alignment = 64 : i64}
// DECL-NOT: uninitialized
// DECL-LABEL: func.func @step
// DECL: memref.get_global @lathe.workspace.1088 : memref<1088xi8>
// DECL-LABEL: func.func @eval
// DECL: memref.get_global @lathe.workspace.1088 : memref<1088xi8>

// CHECK: memref.global "private" @lathe.workspace : memref<1088xi8> = uninitialized {alignment = 64 : i64}
// CHECK-LABEL: func.func @step
// CHECK: %[[W:.*]] = memref.get_global @lathe.workspace : memref<1088xi8>
// CHECK: arith.constant 4 : index
// CHECK-NEXT: %[[O1:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[W]][%[[O1]]][] : memref<1088xi8> to memref<16x16xf32>
// CHECK-NEXT: %[[O2:.*]] = arith.constant 1024 : index
// CHECK-NEXT: memref.view %[[W]][%[[O2]]][] : memref<1088xi8> to memref<3xf32>
// A third buffer, used only after the first's last use (through a
// subview), takes its place.
// CHECK-NEXT: %[[O3:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[W]][%[[O3]]][] : memref<1088xi8> to memref<8x8xf32>
// CHECK: scf.for
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %{{.*}} : memref<4xf32>
// CHECK-NOT: memref.dealloc
// CHECK: return
// CHECK-LABEL: func.func @eval
// CHECK: memref.get_global @lathe.workspace : memref<1088xi8>
// CHECK: memref.view {{.*}} : memref<1088xi8> to memref<4xf32>
// CHECK-NOT: memref.dealloc
// CHECK-LABEL: func.func @helper
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<4xf32>
// CHECK-NOT: memref.dealloc
// CHECK-LABEL: func.func @big_helper
// CHECK: memref.alloc() : memref<8192xf32>
// CHECK: memref.dealloc
func.func @step(%x: memref<16x16xf32>, %y: memref<8x8xf32>, %s: memref<3xf32>) attributes {lathe.entry} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<3xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
  memref.copy %x, %a : memref<16x16xf32> to memref<16x16xf32>
  memref.copy %s, %b : memref<3xf32> to memref<3xf32>
  %v = memref.subview %a[0, 0] [8, 8] [1, 1] : memref<16x16xf32> to memref<8x8xf32, strided<[16, 1]>>
  memref.copy %v, %y : memref<8x8xf32, strided<[16, 1]>> to memref<8x8xf32>
  memref.copy %y, %c : memref<8x8xf32> to memref<8x8xf32>
  memref.copy %c, %y : memref<8x8xf32> to memref<8x8xf32>
  memref.copy %b, %s : memref<3xf32> to memref<3xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<4xf32>
    memref.dealloc %t : memref<4xf32>
  }
  memref.dealloc %a : memref<16x16xf32>
  memref.dealloc %b : memref<3xf32>
  memref.dealloc %c : memref<8x8xf32>
  return
}

func.func @eval(%x: memref<4xf32>) attributes {lathe.entry} {
  %a = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
  memref.copy %x, %a : memref<4xf32> to memref<4xf32>
  memref.copy %a, %x : memref<4xf32> to memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return
}

func.func @helper(%x: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %x, %a : memref<4xf32> to memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return
}

func.func @big_helper(%x: memref<8192xf32>) {
  %a = memref.alloc() : memref<8192xf32>
  memref.copy %x, %a : memref<8192xf32> to memref<8192xf32>
  memref.dealloc %a : memref<8192xf32>
  return
}
