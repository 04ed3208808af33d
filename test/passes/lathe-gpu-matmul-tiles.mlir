// Matmuls on buffers become kernels of shared-memory tiles: 256 threads
// per block, two workgroup buffers of 16 x (edge + 4), a barrier after
// staging and after use, (edge / 16)^2 register sums per thread, whose
// operands load as vectors. Few tiles: the reduction is also cut into
// chunks added atomically. Ragged edges are guarded; short reductions and
// thin outputs are left alone.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-matmul-tiles | FileCheck %s

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// 3136 x 1600 outputs: 49 x 25 tiles of 64, one chunk (no atomics), 16
// sums per thread, no guards (64 divides both, 16 divides 128).
// CHECK-LABEL: func.func @large
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c25, {{.*}} = %c49, {{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in ({{.*}} = %c256, {{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c1{{[_0-9]*}})
// CHECK-SAME: workgroup(%[[SA:[^ ]*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[SB:[^ ]*]] : memref<16x68xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: scf.if
// CHECK: scf.for {{.*}} iter_args({{([^,]*, ){15}[^,]*}})
// CHECK-NOT: scf.if
// CHECK-COUNT-4: memref.store {{.*}}, %[[SA]]
// CHECK-NOT: scf.if
// CHECK-COUNT-4: memref.store {{.*}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK: vector.load %[[SA]][%c0{{.*}}] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: vector.load %[[SB]][%c0{{.*}}] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK-COUNT-256: math.fma
// CHECK: gpu.barrier
// CHECK-NOT: memref.atomic_rmw
// CHECK-COUNT-16: arith.addf
// CHECK-NOT: linalg.generic
func.func @large(%x: memref<3136x128xf32>, %w: memref<128x1600xf32>, %y: memref<3136x1600xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<3136x128xf32>, memref<128x1600xf32>) outs(%y : memref<3136x1600xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// 128 x 128 outputs over 5408 terms: 4 tiles of 64, the reduction cut
// into 38 chunks of 144 (the last one shorter), each added atomically.
// CHECK-LABEL: func.func @few_tiles
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{[_0-9]*}}, {{.*}} = %c2{{[_0-9]*}}, {{.*}} = %c38)
// CHECK-SAME: workgroup({{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[BEGIN:.*]] = arith.muli %{{.*}}, %c144
// CHECK: %[[END:.*]] = arith.addi %[[BEGIN]], %c144
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[END]], %c5408
// CHECK: scf.for {{.*}} = %[[BEGIN]] to %[[CLAMPED]] step %c16{{.*}} iter_args({{([^,]*, ){15}[^,]*}})
// CHECK-COUNT-256: math.fma
// CHECK-COUNT-16: memref.atomic_rmw addf
func.func @few_tiles(%x: memref<128x5408xf32>, %w: memref<5408x128xf32>, %y: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<128x5408xf32>, memref<5408x128xf32>) outs(%y : memref<128x128xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// 128 x 128 outputs over 784 terms: tiles of 64 could take only 6 chunks
// (24 blocks), so tiles of 32: 16 tiles x 6 chunks of 144 terms.
// CHECK-LABEL: func.func @short_reduction
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c4{{[_0-9]*}}, {{.*}} = %c6)
// CHECK-SAME: workgroup({{.*}} : memref<16x36xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x36xf32, #gpu.address_space<workgroup>>)
// CHECK: arith.muli %{{.*}}, %c144
// CHECK: vector.load {{.*}} {alignment = 8 : i64} : memref<16x36xf32, #gpu.address_space<workgroup>>, vector<2xf32>
func.func @short_reduction(%x: memref<128x784xf32>, %w: memref<784x128xf32>, %y: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<128x784xf32>, memref<784x128xf32>) outs(%y : memref<128x128xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#at = affine_map<(d0, d1, d2) -> (d2, d0)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// A kernel gradient, A transposed: 25 x 64 outputs over 1000 terms, 2
// tiles of 32 (C has fewer than 64 rows) and 7 chunks. Rows past 25 and terms past 1000 load 0,
// stores past row 25 are skipped; the transposed A is read [k, m].
// CHECK-LABEL: func.func @ragged
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %c1{{[_0-9]*}}, {{.*}} = %c7)
// CHECK: scf.for
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: scf.if %[[IN]] -> (f32) {
// CHECK-NEXT: memref.load %arg0[%{{.*}}, %{{.*}}] : memref<1000x25xf32>
// CHECK: } else {
// CHECK-NEXT: scf.yield %cst
// CHECK: gpu.barrier
// CHECK: arith.cmpi ult, %{{.*}}, %c25
// CHECK: scf.if
// CHECK: memref.atomic_rmw addf
func.func @ragged(%x: memref<1000x25xf32>, %dy: memref<1000x64xf32>, %dw: memref<25x64xf32>) {
  linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %dy : memref<1000x25xf32>, memref<1000x64xf32>) outs(%dw : memref<25x64xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// Left alone: a reduction of 9 terms (im2col convolution), a single output
// column, and a product that is not a sum of products.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: gpu.launch
// CHECK-COUNT-3: linalg.generic
func.func @left_alone(%x: memref<1024x9xf32>, %w: memref<9x32xf32>, %y: memref<1024x32xf32>,
                      %v: memref<64x512xf32>, %u: memref<512x1xf32>, %z: memref<64x1xf32>,
                      %p: memref<64x512xf32>, %q: memref<512x64xf32>, %r: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1024x9xf32>, memref<9x32xf32>) outs(%y : memref<1024x32xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%v, %u : memref<64x512xf32>, memref<512x1xf32>) outs(%z : memref<64x1xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%p, %q : memref<64x512xf32>, memref<512x64xf32>) outs(%r : memref<64x64xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %0 = arith.mulf %in, %in_0 : f32
    %1 = arith.maximumf %out, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// Inside a parallel loop (a kernel to be), a matmul is left to it: a
// launch may sit in the host code's loops only.
// CHECK-LABEL: func.func @in_parallel_loop
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @in_parallel_loop(%x: memref<2x128x512xf32>, %w: memref<512x128xf32>, %y: memref<2x128x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    %xi = memref.subview %x[%i, 0, 0] [1, 128, 512] [1, 1, 1] : memref<2x128x512xf32> to memref<128x512xf32, strided<[512, 1], offset: ?>>
    %yi = memref.subview %y[%i, 0, 0] [1, 128, 128] [1, 1, 1] : memref<2x128x128xf32> to memref<128x128xf32, strided<[128, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xi, %w : memref<128x512xf32, strided<[512, 1], offset: ?>>, memref<512x128xf32>) outs(%yi : memref<128x128xf32, strided<[128, 1], offset: ?>>) {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %0 = arith.mulf %in, %in_0 : f32
      %1 = arith.addf %out, %0 : f32
      linalg.yield %1 : f32
    }
    scf.reduce
  }
  return
}
