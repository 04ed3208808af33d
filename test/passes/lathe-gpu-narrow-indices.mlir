// A kernel's index split (affine.delinearize_index, static basis whose
// product fits in 31 bits) is done in i32: one cast down, divui/remui by
// constants from the innermost dimension out, casts back. A basis whose
// product passes 2^31 is left alone.
// RUN: lathe-opt %s --lathe-gpu-narrow-indices | FileCheck %s

// CHECK-LABEL: func.func @split
// CHECK: %[[X:.*]] = arith.index_castui %arg0 : index to i32
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : i32
// CHECK: %[[C:.*]] = arith.remui %[[X]], %[[C32]] : i32
// CHECK: %[[R1:.*]] = arith.divui %[[X]], %[[C32]] : i32
// CHECK: %[[C26:.*]] = arith.constant 26 : i32
// CHECK: %[[W:.*]] = arith.remui %[[R1]], %[[C26]] : i32
// CHECK: %[[R2:.*]] = arith.divui %[[R1]], %[[C26]] : i32
// CHECK: %[[H:.*]] = arith.remui %[[R2]], %{{.*}} : i32
// CHECK: %[[N:.*]] = arith.divui %[[R2]], %{{.*}} : i32
// CHECK: %[[NI:.*]] = arith.index_castui %[[N]] : i32 to index
// CHECK: %[[HI:.*]] = arith.index_castui %[[H]] : i32 to index
// CHECK: %[[WI:.*]] = arith.index_castui %[[W]] : i32 to index
// CHECK: %[[CI:.*]] = arith.index_castui %[[C]] : i32 to index
// CHECK: return %[[NI]], %[[HI]], %[[WI]], %[[CI]]
func.func @split(%i: index) -> (index, index, index, index) {
  %p:4 = affine.delinearize_index %i into (128, 26, 26, 32) : index, index, index, index
  return %p#0, %p#1, %p#2, %p#3 : index, index, index, index
}

// CHECK-LABEL: func.func @too_large
// CHECK: affine.delinearize_index %arg0 into (65536, 65536)
func.func @too_large(%i: index) -> (index, index) {
  %p:2 = affine.delinearize_index %i into (65536, 65536) : index, index
  return %p#0, %p#1 : index, index
}
