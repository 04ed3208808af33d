// A copy into a column block of a wider buffer (an LSTM's gate gradient
// into the gates side by side) becomes a linalg.copy, lowered to vector
// loops; a copy between contiguous runs (identity layouts, whole rows of a
// buffer) stays memref.copy (a memcpy), as does one of dynamic shape.
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(lathe-strided-copies))" | FileCheck %s

// CHECK-LABEL: func.func @column_block
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%arg0 : memref<3200x32xf32>) outs(%{{.*}} : memref<3200x32xf32, strided<[128, 1], offset: 32>>)
func.func @column_block(%g: memref<3200x32xf32>, %all: memref<3200x128xf32>) {
  %block = memref.subview %all[0, 32] [3200, 32] [1, 1] : memref<3200x128xf32> to memref<3200x32xf32, strided<[128, 1], offset: 32>>
  memref.copy %g, %block : memref<3200x32xf32> to memref<3200x32xf32, strided<[128, 1], offset: 32>>
  return
}

// CHECK-LABEL: func.func @contiguous
// CHECK-NOT: linalg.copy
// CHECK: memref.copy %arg0, %arg1
// CHECK: memref.copy %arg0, %{{.*}} : memref<32x128xf32> to memref<32x128xf32, strided<[128, 1], offset: 4096>>
// CHECK: memref.copy %arg2, %arg3 : memref<?xf32, strided<[2]>> to memref<?xf32, strided<[2]>>
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<32x128xf32>, %b: memref<32x128xf32>,
                      %c: memref<?xf32, strided<[2]>>, %d: memref<?xf32, strided<[2]>>) {
  memref.copy %a, %b : memref<32x128xf32> to memref<32x128xf32>
  %big = memref.alloc() : memref<64x128xf32>
  %rows = memref.subview %big[32, 0] [32, 128] [1, 1] : memref<64x128xf32> to memref<32x128xf32, strided<[128, 1], offset: 4096>>
  memref.copy %a, %rows : memref<32x128xf32> to memref<32x128xf32, strided<[128, 1], offset: 4096>>
  memref.copy %c, %d : memref<?xf32, strided<[2]>> to memref<?xf32, strided<[2]>>
  memref.dealloc %big : memref<64x128xf32>
  return
}
