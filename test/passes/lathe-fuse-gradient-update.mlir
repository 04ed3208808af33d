// An optimizer update that reads a weight's gradient (a lathe.matmul that
// nothing else reads) computes the gradient in blocks of 8 rows: an
// scf.for whose body fills a block-sized tensor with zeros, computes the
// gradient's rows into it and updates those rows. The whole gradient is
// never built. Not fused: a gradient of fewer than 16 columns, one that
// sums more products than it has rows (an LSTM kernel's, over batch x time
// steps), a gradient something else reads too, and an elementwise op that
// reads no parameter.
// RUN: lathe-opt %s --pass-pipeline='builtin.module(func.func(lathe-fuse-gradient-update))' | FileCheck %s
// The CNN's dense weight on two threads: lathe-partition computes the
// gradient in the update's two parts of 2704 rows, each part in blocks.
// RUN: lathe --emit=llvm %models/fashion_cnn.lathe --step-parts=2 --mlir-print-ir-after=lathe-fuse-gradient-update 2>&1 >/dev/null | FileCheck %s --check-prefix=CNN
// CNN-LABEL: func.func @fashion_cnn.train_step(
// CNN-NOT: outs(%{{.*}} : tensor<5408x128xf32>) attrs = {lathe.matmul}
// CNN-NOT: outs(%{{.*}} : tensor<2704x128xf32>) attrs = {lathe.matmul}
// CNN: scf.forall (%{{.*}}) = (0) to (5408) step (2704) shared_outs({{.*}}) -> (tensor<5408x128xf32>, tensor<5408x128xf32>, tensor<5408x128xf32>)
// CNN: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (tensor<2704x128xf32>, tensor<2704x128xf32>, tensor<2704x128xf32>)
// CNN: tensor.empty() : tensor<8x128xf32>
// CNN: outs(%{{.*}} : tensor<8x128xf32>) attrs =  {lathe.matmul}
// CNN-LABEL: func.func @fashion_cnn.eval_step(

#x  = affine_map<(i, k, j) -> (k, i)>
#dy = affine_map<(i, k, j) -> (k, j)>
#g  = affine_map<(i, k, j) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>

// CHECK-LABEL: func.func @update(
// CHECK-SAME: %[[W:.*]]: tensor<64x32xf32>, %[[X:.*]]: tensor<16x64xf32>, %[[DY:.*]]: tensor<16x32xf32>
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-DAG: %[[XS:.*]] = tensor.extract_slice %[[X]][0, %[[I]]] [16, 8] [1, 1]
// CHECK-DAG: %[[B:.*]] = tensor.empty() : tensor<8x32xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[B]] : tensor<8x32xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[XS]], %{{.*}} : tensor<16x8xf32>, tensor<16x32xf32>) outs(%[[Z]] : tensor<8x32xf32>) attrs = {lathe.matmul}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[G]] : tensor<8x32xf32>, tensor<8x32xf32>)
// CHECK: tensor.insert_slice
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @update(%w: tensor<64x32xf32>, %x: tensor<16x64xf32>, %dy: tensor<16x32xf32>) -> tensor<64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<16x64xf32>, tensor<16x32xf32>) outs(%z : tensor<64x32xf32>) attrs = {lathe.matmul} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<64x32xf32>, tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%wv: f32, %gv: f32, %o: f32):
    %d = arith.mulf %gv, %lr : f32
    %n = arith.subf %wv, %d : f32
    linalg.yield %n : f32
  } -> tensor<64x32xf32>
  return %u : tensor<64x32xf32>
}

// CHECK-LABEL: func.func @narrow(
// CHECK-NOT: scf.for
// CHECK: return
func.func @narrow(%w: tensor<64x10xf32>, %x: tensor<16x64xf32>, %dy: tensor<16x10xf32>) -> tensor<64x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x10xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x10xf32>) -> tensor<64x10xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<16x64xf32>, tensor<16x10xf32>) outs(%z : tensor<64x10xf32>) attrs = {lathe.matmul} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x10xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<64x10xf32>, tensor<64x10xf32>) outs(%e : tensor<64x10xf32>) {
  ^bb0(%wv: f32, %gv: f32, %o: f32):
    %n = arith.subf %wv, %gv : f32
    linalg.yield %n : f32
  } -> tensor<64x10xf32>
  return %u : tensor<64x10xf32>
}

// CHECK-LABEL: func.func @returned_too(
// CHECK-NOT: scf.for
// CHECK: return
func.func @returned_too(%w: tensor<64x32xf32>, %x: tensor<16x64xf32>, %dy: tensor<16x32xf32>) -> (tensor<64x32xf32>, tensor<64x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<16x64xf32>, tensor<16x32xf32>) outs(%z : tensor<64x32xf32>) attrs = {lathe.matmul} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<64x32xf32>, tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%wv: f32, %gv: f32, %o: f32):
    %n = arith.subf %wv, %gv : f32
    linalg.yield %n : f32
  } -> tensor<64x32xf32>
  return %u, %g : tensor<64x32xf32>, tensor<64x32xf32>
}

// An activation's gradient after a matmul reads no parameter.
// CHECK-LABEL: func.func @epilogue(
// CHECK-NOT: scf.for
// CHECK: return
func.func @epilogue(%h: tensor<64x32xf32>, %x: tensor<16x64xf32>, %dy: tensor<16x32xf32>) -> tensor<64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<16x64xf32>, tensor<16x32xf32>) outs(%z : tensor<64x32xf32>) attrs = {lathe.matmul} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  %c = arith.constant 1.0 : f32
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%g : tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%gv: f32, %o: f32):
    %n = arith.mulf %gv, %c : f32
    linalg.yield %n : f32
  } -> tensor<64x32xf32>
  return %u : tensor<64x32xf32>
}

// CHECK-LABEL: func.func @long_sum(
// CHECK-NOT: scf.for
// CHECK: return
func.func @long_sum(%w: tensor<64x32xf32>, %x: tensor<128x64xf32>, %dy: tensor<128x32xf32>) -> tensor<64x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<128x64xf32>, tensor<128x32xf32>) outs(%z : tensor<64x32xf32>) attrs = {lathe.matmul} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  %u = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<64x32xf32>, tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%wv: f32, %gv: f32, %o: f32):
    %n = arith.subf %wv, %gv : f32
    linalg.yield %n : f32
  } -> tensor<64x32xf32>
  return %u : tensor<64x32xf32>
}
