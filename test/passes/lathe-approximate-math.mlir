// f32 exp, log and tanh become arithmetic (no libm call left), so the loops
// around them vectorize; the values stay within a few ulp (checked at run
// time by test/passes/approximate-math-accuracy.mlir).
// RUN: lathe-opt %s --lathe-approximate-math | FileCheck %s

// CHECK-LABEL: func.func @cell
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: arith.mulf
// CHECK: return
func.func @cell(%x: f32, %y: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %t = math.tanh %y : f32
  %l = math.log %e : f32
  return %e, %t, %l : f32, f32, f32
}

// Vectors too (the matmul epilogues).
// CHECK-LABEL: func.func @vec
// CHECK-NOT: math.tanh
// CHECK: return
func.func @vec(%x: vector<16xf32>) -> vector<16xf32> {
  %t = math.tanh %x : vector<16xf32>
  return %t : vector<16xf32>
}

// Other math ops and f64 are left alone.
// CHECK-LABEL: func.func @others
// CHECK: math.sqrt
// CHECK: math.exp %{{.*}} : f64
func.func @others(%x: f32, %d: f64) -> (f32, f64) {
  %s = math.sqrt %x : f32
  %e = math.exp %d : f64
  return %s, %e : f32, f64
}
