// A step's weight (the function's lathe.params) is split along its rows,
// and the split follows the ops that touch it: the optimizer update of
// those rows becomes an scf.forall loop of one iteration per part, which
// computes the weight gradient's rows too (their zero fill inside each
// part), the
// forward matmul through the rows is cut along its reduction into two
// partial products that are summed. The small bias op is left whole.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s
// RUN: lathe-opt %s --lathe-partition=parts=1 | FileCheck %s --check-prefix=ONE

#x = affine_map<(i, k, j) -> (i, k)>
#w = affine_map<(i, k, j) -> (k, j)>
#y = affine_map<(i, k, j) -> (i, j)>
#xt = affine_map<(i, k, j) -> (k, i)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @step(%w: tensor<256x64xf32>, %b: tensor<64xf32>, %x: tensor<32x256xf32>,
                %dy: tensor<32x64xf32>)
    -> (tensor<32x64xf32>, tensor<256x64xf32>, tensor<64xf32>)
    attributes {lathe.params = array<i64: 0, 1>} {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<32x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<32x64xf32>) -> tensor<32x64xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : tensor<32x256xf32>, tensor<256x64xf32>) outs(%z : tensor<32x64xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<32x64xf32>
  %ge = tensor.empty() : tensor<256x64xf32>
  %gz = linalg.fill ins(%zero : f32) outs(%ge : tensor<256x64xf32>) -> tensor<256x64xf32>
  %g = linalg.generic {indexing_maps = [#xt, #w, #y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<32x256xf32>, tensor<32x64xf32>) outs(%gz : tensor<256x64xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %w2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<256x64xf32>, tensor<256x64xf32>) outs(%ge : tensor<256x64xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %m = arith.mulf %d, %lr : f32
    %s = arith.subf %p, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %be = tensor.empty() : tensor<64xf32>
  %b2 = linalg.generic {indexing_maps = [affine_map<(j) -> (j)>, affine_map<(j) -> (j)>],
                        iterator_types = ["parallel"]}
      ins(%b : tensor<64xf32>) outs(%be : tensor<64xf32>) {
  ^bb0(%p: f32, %o: f32):
    %s = arith.mulf %p, %lr : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %y, %w2, %b2 : tensor<32x64xf32>, tensor<256x64xf32>, tensor<64xf32>
}

// CHECK-LABEL: func.func @step(
// The forward matmul, cut along its reduction: part t (an scf.forall
// iteration, so that thread t computes it) adds up rows 128t to 128t+127 of
// the weight into zeros, as slice t of a stacked 2x32x64 tensor; the two
// slices are summed after the loop (the destination was zeros: not added).
// CHECK: %[[S:.*]] = tensor.empty() : tensor<2x32x64xf32>
// CHECK: %[[P:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[PO:.*]] = %[[S]]) -> (tensor<2x32x64xf32>)
// CHECK: %[[K:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[XS:.*]] = tensor.extract_slice %arg2[0, %[[K]]] [32, 128] [1, 1]
// CHECK: %[[WS:.*]] = tensor.extract_slice %arg0[%[[K]], 0] [128, 64] [1, 1]
// CHECK: %[[PS:.*]] = tensor.extract_slice %[[PO]][%[[T]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<2x32x64xf32> to tensor<32x64xf32>
// CHECK: %[[PZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[PS]] : tensor<32x64xf32>)
// CHECK: %[[PM:.*]] = linalg.generic {{.*}} ins(%[[XS]], %[[WS]] : {{.*}}) outs(%[[PZ]] : tensor<32x64xf32>) attrs = {lathe.matmul}
// CHECK: tensor.parallel_insert_slice %[[PM]] into %[[PO]][%[[T]], 0, 0] [1, 32, 64] [1, 1, 1]
// CHECK: } {lathe.parts}
// CHECK: %[[P0:.*]] = tensor.extract_slice %[[P]][0, 0, 0] [1, 32, 64] [1, 1, 1]
// CHECK: %[[P1:.*]] = tensor.extract_slice %[[P]][1, 0, 0] [1, 32, 64] [1, 1, 1]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[P0]], %[[P1]] : {{.*}})
// CHECK: arith.addf
// The update by rows; the weight gradient, which only the update reads,
// is computed in the update's parts, on their rows, from zeros filled in
// each part (lathe-fuse-gradient-update then computes it in blocks).
// CHECK-NOT: tensor<256x64xf32>) attrs = {lathe.matmul}
// CHECK: %[[W2:.*]] = scf.forall (%[[J:.*]]) = (0) to (256) step (128) shared_outs(%[[WO:.*]] = %{{.*}}) -> (tensor<256x64xf32>)
// CHECK-DAG: %[[WS:.*]] = tensor.extract_slice %arg0[%[[J]], 0] [128, 64] [1, 1]
// CHECK-DAG: %[[XS2:.*]] = tensor.extract_slice %arg2[0, %[[J]]] [32, 128] [1, 1]
// CHECK: %[[GF:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<128x64xf32>)
// CHECK: %[[GP:.*]] = linalg.generic {{.*}} ins(%[[XS2]], %{{.*}} : tensor<32x128xf32>, tensor<32x64xf32>) outs(%[[GF]] : tensor<128x64xf32>) attrs = {lathe.matmul}
// CHECK: linalg.generic {{.*}} ins(%[[WS]], %[[GP]] : tensor<128x64xf32>, tensor<128x64xf32>)
// CHECK: arith.subf
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[WO]][%[[J]], 0] [128, 64] [1, 1]
// CHECK: } {lathe.parts}
// The bias update (64 iterations) stays whole.
// CHECK: %[[B2:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<64xf32>)
// CHECK-NOT: lathe.part
// CHECK: return %[[Y]], %[[W2]], %[[B2]]

// ONE-LABEL: func.func @step(
// ONE-NOT: lathe.part
// ONE-NOT: scf.forall
// ONE: return

// Two weight gradients that start from the same zeros: each of their parts
// fills its own slice. (That the two loops then share one destination is
// mended after the last CSE, by lathe-unshare-inits.)
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=SHARED
func.func @shared_zeros(%w: tensor<256x64xf32>, %v: tensor<256x64xf32>, %x: tensor<32x256xf32>,
                        %dy: tensor<32x64xf32>) -> (tensor<256x64xf32>, tensor<256x64xf32>)
    attributes {lathe.params = array<i64: 0, 1>} {
  %zero = arith.constant 0.0 : f32
  %ge = tensor.empty() : tensor<256x64xf32>
  %gz = linalg.fill ins(%zero : f32) outs(%ge : tensor<256x64xf32>) -> tensor<256x64xf32>
  %g = linalg.generic {indexing_maps = [#xt, #w, #y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<32x256xf32>, tensor<32x64xf32>) outs(%gz : tensor<256x64xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %h = linalg.generic {indexing_maps = [#xt, #w, #y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dy : tensor<32x256xf32>, tensor<32x64xf32>) outs(%gz : tensor<256x64xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.subf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %w2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<256x64xf32>, tensor<256x64xf32>) outs(%ge : tensor<256x64xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %s = arith.subf %p, %d : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %v2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%v, %h : tensor<256x64xf32>, tensor<256x64xf32>) outs(%ge : tensor<256x64xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %s = arith.subf %p, %d : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  return %w2, %v2 : tensor<256x64xf32>, tensor<256x64xf32>
}

// SHARED-LABEL: func.func @shared_zeros(
// SHARED-NOT: linalg.fill
// SHARED: scf.forall ({{.*}}) = (0) to (256) step (128) shared_outs(
// SHARED: linalg.fill
// SHARED: arith.addf
// SHARED: } {lathe.parts}
// SHARED: scf.forall ({{.*}}) = (0) to (256) step (128) shared_outs(
// SHARED: linalg.fill
// SHARED: arith.subf
// SHARED: } {lathe.parts}

// A col2im whose windows (stride 2, 3 wide, 12 of them) reach rows and
// columns 0..24 of 26: each part writes its images' reached 25 x 25, so the
// accumulator's zero fill is not computed in those parts (it would fill
// only what they reach and leave row and column 25 unset); it is cut on its
// own, each part filling its images whole.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=REACH
#win = affine_map<(n, oh, ow, i, j, c) -> (n, oh, ow, i, j, c)>
#back = affine_map<(n, oh, ow, i, j, c) -> (n, oh * 2 + i, ow * 2 + j, c)>
func.func @col2im(%cols: tensor<8x12x12x3x3x8xf32>) -> tensor<8x26x26x8xf32>
    attributes {lathe.params = array<i64>} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x26x26x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x26x26x8xf32>) -> tensor<8x26x26x8xf32>
  %r = linalg.generic {indexing_maps = [#win, #back],
                       iterator_types = ["parallel", "reduction", "reduction", "reduction",
                                         "reduction", "parallel"]}
      ins(%cols : tensor<8x12x12x3x3x8xf32>) outs(%z : tensor<8x26x26x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<8x26x26x8xf32>
  return %r : tensor<8x26x26x8xf32>
}

// REACH-LABEL: func.func @col2im(
// REACH: %[[Z:.*]] = scf.forall ({{.*}}) = (0) to (8) step (4)
// REACH: linalg.fill {{.*}} -> tensor<4x26x26x8xf32>
// REACH: } {lathe.parts}
// REACH: scf.forall ({{.*}}) = (0) to (8) step (4) shared_outs(%{{.*}} = %[[Z]])
// REACH-NOT: linalg.fill
// REACH: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x25x25x8xf32>)
// REACH: } {lathe.parts}

// A filter read with its taps flipped (5 - 1 - i): tiling would take the
// slice of the filter from the map at the first and last tap of a tile,
// which does not hold where a loop's coefficient is negative, so the op
// is left whole although it is large.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=FLIP
#flip = affine_map<(i, j, f, c) -> (4 - i, 4 - j, c, f)>
#id4 = affine_map<(i, j, f, c) -> (i, j, f, c)>
func.func @flipped(%w: tensor<5x5x64x128xf32>) -> tensor<5x5x128x64xf32>
    attributes {lathe.params = array<i64>} {
  %e = tensor.empty() : tensor<5x5x128x64xf32>
  %r = linalg.generic {indexing_maps = [#flip, #id4],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%w : tensor<5x5x64x128xf32>) outs(%e : tensor<5x5x128x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<5x5x128x64xf32>
  return %r : tensor<5x5x128x64xf32>
}

// FLIP-LABEL: func.func @flipped(
// FLIP-NOT: scf.forall
// FLIP: linalg.generic {{.*}} ins(%{{.*}} : tensor<5x5x64x128xf32>) outs(%{{.*}} : tensor<5x5x128x64xf32>)
// FLIP-NOT: scf.forall
// FLIP: return

// A wide, short weight (a generator's first layer: 16 inputs to 2048
// units) is cut along its columns: the forward matmul into parts of 1024
// columns, each over the whole reduction, with no partial sums; the update
// by the same columns.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=WIDE
#wx = affine_map<(i, k, j) -> (i, k)>
#ww = affine_map<(i, k, j) -> (k, j)>
#wy = affine_map<(i, k, j) -> (i, j)>
#wid = affine_map<(i, j) -> (i, j)>
func.func @wide(%w: tensor<16x2048xf32>, %z: tensor<8x16xf32>, %g: tensor<16x2048xf32>)
    -> (tensor<8x2048xf32>, tensor<16x2048xf32>)
    attributes {lathe.params = array<i64: 0>} {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<8x2048xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x2048xf32>) -> tensor<8x2048xf32>
  %y = linalg.generic {indexing_maps = [#wx, #ww, #wy],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%z, %w : tensor<8x16xf32>, tensor<16x2048xf32>) outs(%f : tensor<8x2048xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<8x2048xf32>
  %we = tensor.empty() : tensor<16x2048xf32>
  %w2 = linalg.generic {indexing_maps = [#wid, #wid, #wid], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<16x2048xf32>, tensor<16x2048xf32>) outs(%we : tensor<16x2048xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %m = arith.mulf %d, %lr : f32
    %s = arith.subf %p, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x2048xf32>
  return %y, %w2 : tensor<8x2048xf32>, tensor<16x2048xf32>
}
// WIDE-LABEL: func.func @wide(
// WIDE-NOT: tensor<2x8x2048xf32>
// WIDE: %[[Y:.*]] = scf.forall (%[[J:.*]]) = (0) to (2048) step (1024) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<8x2048xf32>)
// WIDE: tensor.extract_slice %arg0[0, %[[J]]] [16, 1024] [1, 1]
// WIDE: linalg.fill
// WIDE: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<16x1024xf32>) {{.*}} attrs = {lathe.matmul}
// WIDE: } {lathe.parts}
// WIDE: %[[W2:.*]] = scf.forall (%[[J2:.*]]) = (0) to (2048) step (1024)
// WIDE: tensor.extract_slice %arg0[0, %[[J2]]] [16, 1024] [1, 1]
// WIDE: arith.subf
// WIDE: } {lathe.parts}
// WIDE: return %[[Y]], %[[W2]]

// An LSTM's input kernel (32 inputs to 128 gate units) reaches two matmuls
// over all time steps, neither cut its way: the input projection's
// reduction is only 32 long (its partial sums, [2, 3200, 128], would be as
// large as the product), and the input gradient through the transposed
// kernel has 32 columns, less than two register tiles' width. Both are cut
// by their 3,200 rows instead.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=SHORT
#sx = affine_map<(i, k, j) -> (i, k)>
#sw = affine_map<(i, k, j) -> (k, j)>
#sy = affine_map<(i, k, j) -> (i, j)>
#sid = affine_map<(i, j) -> (i, j)>
#st = affine_map<(i, j) -> (j, i)>
func.func @short(%k: tensor<32x128xf32>, %x: tensor<3200x32xf32>, %dz: tensor<3200x128xf32>)
    -> (tensor<3200x128xf32>, tensor<3200x32xf32>)
    attributes {lathe.params = array<i64: 0>} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3200x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3200x128xf32>) -> tensor<3200x128xf32>
  %z = linalg.generic {indexing_maps = [#sx, #sw, #sy],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %k : tensor<3200x32xf32>, tensor<32x128xf32>) outs(%f : tensor<3200x128xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<3200x128xf32>
  %te = tensor.empty() : tensor<128x32xf32>
  %kt = linalg.generic {indexing_maps = [#st, #sid], iterator_types = ["parallel", "parallel"]}
      ins(%k : tensor<32x128xf32>) outs(%te : tensor<128x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<128x32xf32>
  %de = tensor.empty() : tensor<3200x32xf32>
  %df = linalg.fill ins(%zero : f32) outs(%de : tensor<3200x32xf32>) -> tensor<3200x32xf32>
  %dx = linalg.generic {indexing_maps = [#sx, #sw, #sy],
                        iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%dz, %kt : tensor<3200x128xf32>, tensor<128x32xf32>) outs(%df : tensor<3200x32xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<3200x32xf32>
  return %z, %dx : tensor<3200x128xf32>, tensor<3200x32xf32>
}
// SHORT-LABEL: func.func @short(
// SHORT-NOT: tensor<2x3200x128xf32>
// SHORT: %[[Z:.*]] = scf.forall (%{{.*}}) = (0) to (3200) step (1600) {{.*}} -> (tensor<3200x128xf32>)
// SHORT: ins(%{{.*}}, %{{.*}} : tensor<1600x32xf32>, tensor<32x128xf32>)
// SHORT: } {lathe.parts}
// SHORT-NOT: tensor<3200x16xf32>
// SHORT: %[[DX:.*]] = scf.forall (%{{.*}}) = (0) to (3200) step (1600) {{.*}} -> (tensor<3200x32xf32>)
// SHORT: ins(%{{.*}}, %{{.*}} : tensor<1600x128xf32>, tensor<128x32xf32>)
// SHORT: } {lathe.parts}
// SHORT: return %[[Z]], %[[DX]]

// The kernel's gradient sums over all 3,200 rows into 32 x 128 values: the
// update's cut by the kernel's rows reaches it, but it is cut along its
// long reduction instead, each part summing its 1,600 rows of both
// operands (a cut by the result's rows would have each part read all of
// dz), and the two partial sums are added.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=LONG
#lxt = affine_map<(i, k, j) -> (k, i)>
#ld = affine_map<(i, k, j) -> (k, j)>
#lo = affine_map<(i, k, j) -> (i, j)>
#lid = affine_map<(i, j) -> (i, j)>
func.func @long(%k: tensor<32x128xf32>, %x: tensor<3200x32xf32>, %dz: tensor<3200x128xf32>)
    -> tensor<32x128xf32> attributes {lathe.params = array<i64: 0>} {
  %zero = arith.constant 0.0 : f32
  %lr = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<32x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x128xf32>) -> tensor<32x128xf32>
  %dk = linalg.generic {indexing_maps = [#lxt, #ld, #lo],
                        iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %dz : tensor<3200x32xf32>, tensor<3200x128xf32>) outs(%f : tensor<32x128xf32>)
      attrs = {lathe.matmul} {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<32x128xf32>
  %ue = tensor.empty() : tensor<32x128xf32>
  %k2 = linalg.generic {indexing_maps = [#lid, #lid, #lid], iterator_types = ["parallel", "parallel"]}
      ins(%k, %dk : tensor<32x128xf32>, tensor<32x128xf32>) outs(%ue : tensor<32x128xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %m = arith.mulf %d, %lr : f32
    %s = arith.subf %p, %m : f32
    linalg.yield %s : f32
  } -> tensor<32x128xf32>
  return %k2 : tensor<32x128xf32>
}
// LONG-LABEL: func.func @long(
// LONG: scf.forall (%[[T:.*]]) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<2x32x128xf32>)
// LONG: tensor.extract_slice %arg1[%{{.*}}, 0] [1600, 32] [1, 1]
// LONG: tensor.extract_slice %arg2[%{{.*}}, 0] [1600, 128] [1, 1]
// LONG: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1600x32xf32>, tensor<1600x128xf32>) outs(%{{.*}} : tensor<32x128xf32>) attrs = {lathe.matmul}
// LONG: } {lathe.parts}
// LONG: return

// A loop at the top of a step (an embedding's gradient, token by token)
// stays whole, and the ops in it uncut, even one that reads the weight;
// the step's other ops are cut as ever (the weight's update by its rows).
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s --check-prefix=LOOP
#pid = affine_map<(i, j) -> (i, j)>
func.func @loop(%w: tensor<256x64xf32>, %g: tensor<256x64xf32>)
    -> (tensor<256x64xf32>, tensor<256x64xf32>) attributes {lathe.params = array<i64: 0>} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %lr = arith.constant 0.1 : f32
  %acc = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %g) -> (tensor<256x64xf32>) {
    %s = linalg.generic {indexing_maps = [#pid, #pid], iterator_types = ["parallel", "parallel"]}
        ins(%w : tensor<256x64xf32>) outs(%a : tensor<256x64xf32>) {
    ^bb0(%p: f32, %o: f32):
      %m = arith.addf %o, %p : f32
      linalg.yield %m : f32
    } -> tensor<256x64xf32>
    scf.yield %s : tensor<256x64xf32>
  }
  %ue = tensor.empty() : tensor<256x64xf32>
  %w2 = linalg.generic {indexing_maps = [#pid, #pid, #pid], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<256x64xf32>, tensor<256x64xf32>) outs(%ue : tensor<256x64xf32>) {
  ^bb0(%p: f32, %d: f32, %o: f32):
    %m = arith.mulf %d, %lr : f32
    %s = arith.subf %p, %m : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  return %acc, %w2 : tensor<256x64xf32>, tensor<256x64xf32>
}
// LOOP-LABEL: func.func @loop(
// LOOP: scf.for
// LOOP-NOT: scf.forall
// LOOP: linalg.generic
// LOOP: scf.yield
// LOOP: scf.forall (%{{.*}}) = (0) to (256) step (128)
// LOOP: arith.subf
// LOOP: } {lathe.parts}
