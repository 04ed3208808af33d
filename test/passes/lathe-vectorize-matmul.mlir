// A tagged matmul (loops i, k, j) is tiled into 8 x 16 register tiles (the
// largest sizes up to 8 x 32 that divide 16 x 48), the reduction loop
// innermost; the tile becomes vector code whose C tile is a loop-carried
// vector, written back once after the reduction; the multiply-adds may be
// contracted into FMAs.
// RUN: lathe-opt %s --split-input-file --lathe-vectorize-matmul | FileCheck %s

// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c16
// CHECK: vector.transfer_read {{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> ({{.*}}, vector<8x16xf32>)
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract> : vector<8x1x16xf32>
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract> : vector<8x16xf32>
// CHECK: scf.yield
// CHECK: vector.transfer_write {{.*}} : vector<8x16xf32>, tensor<8x16xf32>
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x48xf32>, %c: tensor<16x48xf32>) -> tensor<16x48xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<16x64xf32>, tensor<64x48xf32>) outs(%c : tensor<16x48xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<16x48xf32>
  return %r : tensor<16x48xf32>
}

// -----

// Ten classes: one 10-wide tile column rather than narrow tiles; an
// untagged generic is left alone.
// CHECK-LABEL: func.func @narrow
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK: vector<8x10xf32>
// CHECK: linalg.generic
// CHECK-NOT: lathe.matmul
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @narrow(%a: tensor<32x128xf32>, %b: tensor<128x10xf32>, %c: tensor<32x10xf32>) -> (tensor<32x10xf32>, tensor<32x10xf32>) {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<32x128xf32>, tensor<128x10xf32>) outs(%c : tensor<32x10xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x10xf32>
  %u = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<32x128xf32>, tensor<128x10xf32>) outs(%c : tensor<32x10xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x10xf32>
  return %r, %u : tensor<32x10xf32>, tensor<32x10xf32>
}

// -----

// 25 columns (a 5x5 kernel's) are split into a matmul over the first 16
// and one over the last 9, each a vector register wide, not a 25-wide
// vector; 25 rows (the same kernel's weight gradient), which no row tile
// divides, into 24 rows of 8-row tiles and one more.
// CHECK-LABEL: func.func @odd_columns
// CHECK-NOT: vector<8x25xf32>
// CHECK-DAG: vector<8x16xf32>
// CHECK-DAG: vector<8x9xf32>
// CHECK-LABEL: func.func @odd_rows
// CHECK-NOT: step %c1 iter_args({{.*}}tensor<25x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c8
// CHECK: vector<8x32xf32>
// CHECK: vector<1x32xf32>
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @odd_columns(%a: tensor<64x64xf32>, %b: tensor<64x25xf32>, %c: tensor<64x25xf32>) -> tensor<64x25xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<64x64xf32>, tensor<64x25xf32>) outs(%c : tensor<64x25xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x25xf32>
  return %r : tensor<64x25xf32>
}
func.func @odd_rows(%a: tensor<25x64xf32>, %b: tensor<64x32xf32>, %c: tensor<25x32xf32>) -> tensor<25x32xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<25x64xf32>, tensor<64x32xf32>) outs(%c : tensor<25x32xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<25x32xf32>
  return %r : tensor<25x32xf32>
}

// -----

// C filled with zeros: the tiles start from a zero vector in registers and C
// is left uninitialized (no fill of the whole matrix in memory).
// CHECK-LABEL: func.func @zero_init
// CHECK-NOT: linalg.fill
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}, %{{.*}} = %[[ZERO]])
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @zero_init(%a: tensor<16x64xf32>, %b: tensor<64x48xf32>) -> tensor<16x48xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x48xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<16x48xf32>) -> tensor<16x48xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<16x64xf32>, tensor<64x48xf32>) outs(%c : tensor<16x48xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<16x48xf32>
  return %r : tensor<16x48xf32>
}

// -----

// C starting as a bias broadcast over its rows (a dense layer's output): each
// tile starts from its columns of the bias, read once and broadcast to its
// rows in registers; the broadcast matrix is never built.
// CHECK-LABEL: func.func @bias_init
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[I:.*]] = %c0 to %c16 step %c8
// CHECK: scf.for %[[J:.*]] = %c0 to %c48 step %c16
// CHECK: arith.addi %{{.*}}, %[[J]]
// CHECK: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<48xf32>, vector<16xf32>
// CHECK: %[[TILE:.*]] = vector.broadcast %[[ROW]] : vector<16xf32> to vector<8x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}, %{{.*}} = %[[TILE]])
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_init(%a: tensor<16x64xf32>, %b: tensor<64x48xf32>, %bias: tensor<48xf32>) -> tensor<16x48xf32> {
  %e = tensor.empty() : tensor<16x48xf32>
  %c = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
    ins(%bias : tensor<48xf32>) outs(%e : tensor<16x48xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<16x48xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<16x64xf32>, tensor<64x48xf32>) outs(%c : tensor<16x48xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<16x48xf32>
  return %r : tensor<16x48xf32>
}

// -----

// The bias a row of a 2-D tensor (a GRU's [2, 3u], input and recurrent
// rows): each tile reads its columns from that row of the tensor.
// CHECK-LABEL: func.func @bias_row
// CHECK-NOT: linalg.generic
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c16
// CHECK: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%c1{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<2x48xf32>, vector<16xf32>
// CHECK: vector.broadcast %[[ROW]] : vector<16xf32> to vector<8x16xf32>
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_row(%a: tensor<16x64xf32>, %b: tensor<64x48xf32>, %biases: tensor<2x48xf32>) -> tensor<16x48xf32> {
  %bias = tensor.extract_slice %biases[1, 0] [1, 48] [1, 1] : tensor<2x48xf32> to tensor<48xf32>
  %e = tensor.empty() : tensor<16x48xf32>
  %c = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
    ins(%bias : tensor<48xf32>) outs(%e : tensor<16x48xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<16x48xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<16x64xf32>, tensor<64x48xf32>) outs(%c : tensor<16x48xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<16x48xf32>
  return %r : tensor<16x48xf32>
}

// -----

// A weight gradient, A read transposed (the im2col rows of a convolution,
// 1024 x 512): one sweep of the reduction would touch 1024 rows of A and B
// 2816 bytes apart, 2.8 MB, more than the L2 cache and its TLB hold. The
// reduction is cut into blocks of 256 rows (704 KB: 256 * (512 + 192) * 4
// bytes, the most rows that divide 1024 in 1 MB); each block runs the
// tiled matmul over all of C (384 KB). The first block
// is split off: its tiles start from zeros in registers, C is never filled
// in memory; the other three (768 rows, which alone would fit the
// two-block allowance) keep the blocks of 256 and add into C. C's 512 rows
// over a long reduction get tiles of 12 rows: 504 of them, the other 8 a
// matmul of their own with tiles of 8.
// CHECK-LABEL: func.func @reduction_blocks
// CHECK-NOT: linalg.fill
// CHECK: scf.forall
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<12x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args({{.*}}, %{{.*}} = %[[ZERO]])
// CHECK: scf.for %[[K0:.*]] = %c0 to %c768 step %c256
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK-NOT: scf.for %{{.*}} = %c0 to %c768 step %c1
// CHECK-NOT: lathe.reduction_block
#at = affine_map<(i, k, j) -> (k, i)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @reduction_blocks(%a: tensor<1024x512xf32>, %b: tensor<1024x192xf32>) -> tensor<512x192xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x192xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<512x192xf32>) -> tensor<512x192xf32>
  %r = linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<1024x512xf32>, tensor<1024x192xf32>) outs(%c : tensor<512x192xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<512x192xf32>
  return %r : tensor<512x192xf32>
}

// -----

// A small C (32 x 128, 16 KB) over a long reduction (an LSTM's weight
// gradient over 100 time steps of a batch of 32): C costs little to read
// and write once per block, so the reduction is cut into blocks of 256 KB
// (400 rows of 512 bytes; 3200 rows would be 1.6 MB, swept by each of the
// four row tiles).
// CHECK-LABEL: func.func @small_result
// CHECK: scf.for %{{.*}} = %c0 to %c3200 step %c400
// CHECK: scf.for %{{.*}} = %c0 to %c400 step %c1
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @small_result(%a: tensor<32x3200xf32>, %b: tensor<3200x128xf32>, %c: tensor<32x128xf32>) -> tensor<32x128xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<32x3200xf32>, tensor<3200x128xf32>) outs(%c : tensor<32x128xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<32x128xf32>
  return %r : tensor<32x128xf32>
}

// -----

// A dense layer to 6272 units over 100 inputs (the DCGAN generator's
// first): the reduction is short and not cut (blocks of 25 rows would
// read and write all of C, 1.6 MB, four times); B's 2.5 MB of rows are cut
// into column blocks of 896 (350 KB) that the row tiles sweep in L2.
// CHECK-LABEL: func.func @short_wide
// CHECK: scf.for %{{.*}} = %c0 to %c6272 step %c896
// CHECK-NOT: step %c25
// CHECK: scf.for %{{.*}} = %c0 to %c100 step %c1
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @short_wide(%a: tensor<64x100xf32>, %b: tensor<100x6272xf32>, %c: tensor<64x6272xf32>) -> tensor<64x6272xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<64x100xf32>, tensor<100x6272xf32>) outs(%c : tensor<64x6272xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<64x6272xf32>
  return %r : tensor<64x6272xf32>
}

// -----

// A wide 1024^3 matmul: the reduction is cut into blocks of 256 rows (1 MB
// of B each), and C's columns into blocks of 512 (512 KB of B), the column
// blocks outermost, so the row tiles sweep a part of B that stays in L2.
// Each block of B is first packed into 16 tile columns of 256 x 32, a row
// of B at a time (B's rows are 4 KiB apart: read down a tile column, each
// row's 128 bytes would fall in the same few L1 sets; 1024^3 ~3% faster),
// and the tiles read their B from there: each k step the next 32 floats.
// CHECK-LABEL: func.func @column_blocks
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c512
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c256
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [256, 16, 32]
// CHECK: %[[PACKED:.*]] = scf.for %[[ROW:.*]] = %c0 to %c256 step %c1
// CHECK: scf.for %[[COL:.*]] = %c0 to %c16 step %c1
// CHECK: vector.transfer_read %{{.*}} : tensor<1x1x32xf32>, vector<1x1x32xf32>
// CHECK: tensor.insert_slice %{{.*}}[%[[COL]], %[[ROW]], 0] [1, 1, 32] [1, 1, 1] : tensor<1x1x32xf32> into tensor<16x256x32xf32>
// CHECK: scf.forall
// CHECK: scf.for %[[J:.*]] = %c0 to %c512 step %c32
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c1
// CHECK: %[[TILE:.*]] = arith.divui %[[J]], %c32
// CHECK: %[[B:.*]] = tensor.extract_slice %[[PACKED]][%[[TILE]], %[[K]], 0] [1, 1, 32] [1, 1, 1] : tensor<16x256x32xf32> to tensor<1x32xf32>
// CHECK: vector.transfer_read %[[B]]
// CHECK: arith.mulf
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @column_blocks(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>, %c: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<1024x1024xf32>, tensor<1024x1024xf32>) outs(%c : tensor<1024x1024xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<1024x1024xf32>
  return %r : tensor<1024x1024xf32>
}

// -----

// The same product starting from zeros: the first block of 256 rows of the
// reduction, split off to start from zeros in registers, keeps the column
// blocks of 512 (its own 256 rows would not cut them), as do the other
// three. Its 1024 rows are cut into 1008 for tiles of 12 rows and 16 for
// tiles of 8, each piece starting from a fill of its own (the 1008 rows'
// first block from zeros in registers): no fill of all of C in memory,
// both pieces written into C's buffer.
// CHECK-LABEL: func.func @first_block_columns
// CHECK-NOT: linalg.fill
// CHECK: %[[C:.*]] = tensor.empty() : tensor<1024x1024xf32>
// CHECK: tensor.empty() : tensor<1008x1024xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c512
// CHECK-NOT: scf.for %{{.*}} = %c0 to %c768 step %c256
// CHECK: output_shape [256, 16, 32]
// CHECK: arith.constant dense<0.000000e+00> : vector<12x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c512
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c256
// CHECK: output_shape [256, 16, 32]
// CHECK: %[[UPPER:.*]] = tensor.insert_slice %{{.*}} into %[[C]][0, 0] [1008, 1024] [1, 1]
// CHECK: linalg.fill {{.*}} -> tensor<16x1024xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[UPPER]][1008, 0] [16, 1024] [1, 1]
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @first_block_columns(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x1024xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<1024x1024xf32>, tensor<1024x1024xf32>) outs(%c : tensor<1024x1024xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
    %s = arith.addf %o, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<1024x1024xf32>
  return %r : tensor<1024x1024xf32>
}

// -----

// Threads only for matmuls with many row blocks: an MLP's first layer at
// batch 32 (four row blocks of 8, 100352 multiply-adds a row) stays on one
// thread, and the same product over 256 rows runs its row blocks in an
// scf.forall.
// CHECK-LABEL: func.func @batch_rows
// CHECK-NOT: scf.forall
// CHECK: return
// CHECK-LABEL: func.func @many_rows
// CHECK: scf.forall
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @batch_rows(%a: tensor<32x784xf32>, %b: tensor<784x128xf32>, %c: tensor<32x128xf32>) -> tensor<32x128xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<32x784xf32>, tensor<784x128xf32>) outs(%c : tensor<32x128xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x128xf32>
  return %r : tensor<32x128xf32>
}
func.func @many_rows(%a: tensor<256x784xf32>, %b: tensor<784x128xf32>, %c: tensor<256x128xf32>) -> tensor<256x128xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<256x784xf32>, tensor<784x128xf32>) outs(%c : tensor<256x128xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x128xf32>
  return %r : tensor<256x128xf32>
}
