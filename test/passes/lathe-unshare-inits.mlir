// One zero fill that two insert_slices write into (CSE merged the pads of
// two images): each writer gets a fill of its own, next to the original,
// so bufferization fills two buffers instead of filling one and copying it.
// RUN: lathe-opt %s --split-input-file --lathe-unshare-inits | FileCheck %s
// RUN: lathe-opt %s --split-input-file --lathe-unshare-inits --eliminate-empty-tensors \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries=true function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=BUF
// Without the pass, the second pad is a copy of the first's zeros.
// RUN: lathe-opt %s --split-input-file --eliminate-empty-tensors \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries=true function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=SHARED

// CHECK-LABEL: func.func @two_pads
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x6x6xf32>
// CHECK: %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]]
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4x6x6xf32>
// CHECK: %[[Z2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]]
// CHECK: tensor.insert_slice %arg0 into %[[A:[0-9]+]]
// CHECK-NOT: into %[[A]]
// CHECK: return
// BUF-LABEL: func.func @two_pads
// BUF-NOT: memref.copy {{.*}} : memref<4x6x6xf32> to memref<4x6x6xf32>
// BUF: return
// SHARED-LABEL: func.func @two_pads
// SHARED: memref.copy {{.*}} : memref<4x6x6xf32> to memref<4x6x6xf32>
func.func @two_pads(%a: tensor<4x4x4xf32>, %b: tensor<4x4x4xf32>) -> (tensor<4x6x6xf32>, tensor<4x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6x6xf32>) -> tensor<4x6x6xf32>
  %pa = tensor.insert_slice %a into %z[0, 1, 1] [4, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> into tensor<4x6x6xf32>
  %pb = tensor.insert_slice %b into %z[0, 1, 1] [4, 4, 4] [1, 1, 1] : tensor<4x4x4xf32> into tensor<4x6x6xf32>
  return %pa, %pb : tensor<4x6x6xf32>, tensor<4x6x6xf32>
}

// -----

// A fill cut into parts (a forall over slices of an empty tensor) is a
// constant too; a fill of a value that is not a constant is left shared,
// and a reader keeps the original while the writer gets a copy.
// CHECK-LABEL: func.func @parts
// CHECK-COUNT-2: scf.forall
// CHECK: tensor.insert_slice %arg0 into %[[P:[0-9]+]]
// CHECK-NOT: into %[[P]]
// CHECK: return
// CHECK-LABEL: func.func @not_constant
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT: linalg.fill
// CHECK-LABEL: func.func @reader_and_writer
// CHECK: %[[Z1:.*]] = linalg.fill
// CHECK: %[[Z2:.*]] = linalg.fill
// CHECK: linalg.generic {{.*}} ins(%[[Z1]] : tensor<8xf32>) outs(%[[Z2]] : tensor<8xf32>)
func.func @parts(%a: tensor<2x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e) -> (tensor<4x4xf32>) {
    %s = tensor.extract_slice %o[%i, 0] [2, 4] [1, 1] : tensor<4x4xf32> to tensor<2x4xf32>
    %f = linalg.fill ins(%zero : f32) outs(%s : tensor<2x4xf32>) -> tensor<2x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %f into %o[%i, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<4x4xf32>
    }
  }
  %p = tensor.insert_slice %a into %z[0, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<4x4xf32>
  %q = tensor.insert_slice %a into %z[2, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<4x4xf32>
  return %p, %q : tensor<4x4xf32>, tensor<4x4xf32>
}
func.func @not_constant(%v: f32, %a: tensor<2xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%v : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %p = tensor.insert_slice %a into %z[0] [2] [1] : tensor<2xf32> into tensor<4xf32>
  %q = tensor.insert_slice %a into %z[2] [2] [1] : tensor<2xf32> into tensor<4xf32>
  return %p, %q : tensor<4xf32>, tensor<4xf32>
}
func.func @reader_and_writer() -> tensor<8xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%one : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
    ins(%z : tensor<8xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// An empty tensor that two strided insert_slices fill piece by piece (an
// input gradient, phase by phase), merged by CSE with another op's
// destination: the insert_slices get an empty tensor of their own, so the
// pieces are computed where they go (the frame returned); without the
// pass the pieces are computed in one buffer and copied into another.
// CHECK-LABEL: func.func @frame
// CHECK: %[[FRAME:.*]] = tensor.empty() : tensor<4x4x8xf32>
// CHECK: %[[OTHER:.*]] = tensor.empty() : tensor<4x4x8xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[FRAME]][0, 0, 0] [2, 2, 8] [2, 2, 1]
// CHECK: linalg.generic {{.*}} outs(%[[OTHER]] : tensor<4x4x8xf32>)
// BUF-LABEL: func.func @frame
// BUF: %[[FRAME:.*]] = memref.alloc() {{.*}} : memref<4x4x8xf32>
// BUF: %[[PIECE:.*]] = memref.subview %[[FRAME]][0, 0, 0] [2, 2, 8] [2, 2, 1]
// BUF: linalg.generic {{.*}} outs(%[[PIECE]] :
// BUF: return %[[FRAME]], %{{.*}} :
// SHARED-LABEL: func.func @frame
// SHARED: %[[A:.*]] = memref.alloc() {{.*}} : memref<4x4x8xf32>
// SHARED: %[[PIECE:.*]] = memref.subview %[[A]][0, 0, 0] [2, 2, 8] [2, 2, 1]
// SHARED: linalg.generic {{.*}} outs(%[[PIECE]] :
// SHARED: %[[FRAME:.*]] = memref.alloc() {{.*}} : memref<4x4x8xf32>
// SHARED: memref.copy %[[PIECE]], %{{.*}} : memref<2x2x8xf32
// SHARED: return %[[FRAME]], %[[A]] :
#id = affine_map<(a, b, c) -> (a, b, c)>
func.func @frame(%p: tensor<2x2x8xf32>, %q: tensor<2x2x8xf32>, %x: tensor<4x4x8xf32>) -> (tensor<4x4x8xf32>, tensor<4x4x8xf32>) {
  %e = tensor.empty() : tensor<4x4x8xf32>
  %ep = tensor.empty() : tensor<2x2x8xf32>
  %np = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%p : tensor<2x2x8xf32>) outs(%ep : tensor<2x2x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<2x2x8xf32>
  %i1 = tensor.insert_slice %np into %e[0, 0, 0] [2, 2, 8] [2, 2, 1] : tensor<2x2x8xf32> into tensor<4x4x8xf32>
  %eq = tensor.empty() : tensor<2x2x8xf32>
  %nq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%q : tensor<2x2x8xf32>) outs(%eq : tensor<2x2x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<2x2x8xf32>
  %i2 = tensor.insert_slice %nq into %i1[1, 1, 0] [2, 2, 8] [2, 2, 1] : tensor<2x2x8xf32> into tensor<4x4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x4x8xf32>) outs(%e : tensor<4x4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<4x4x8xf32>
  return %i2, %y : tensor<4x4x8xf32>, tensor<4x4x8xf32>
}

// -----

// A loop that starts two iteration arguments from one constant (an LSTM's
// states of h and of c: zeros in row 0 of an empty tensor, the loop writing
// the other rows): the second gets the insert into an empty tensor of its
// own, reading the same zeros, and no copy of the whole tensor is made.
// CHECK-LABEL: func.func @two_states
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[Z]] into %{{.*}}[0, 0, 0] [1, 4, 8]
// CHECK: %[[S2:.*]] = tensor.insert_slice %[[Z]] into %{{.*}}[0, 0, 0] [1, 4, 8]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[S2]], %{{.*}} = %[[S1]])
// BUF-LABEL: func.func @two_states
// BUF-NOT: memref.copy {{.*}} : memref<6x4x8xf32> to memref<6x4x8xf32>
// BUF: return
// SHARED-LABEL: func.func @two_states
// SHARED: memref.copy {{.*}} : memref<6x4x8xf32> to memref<6x4x8xf32>
func.func @two_states(%x: tensor<4x8xf32>) -> (tensor<6x4x8xf32>, tensor<6x4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %states = tensor.empty() : tensor<6x4x8xf32>
  %s = tensor.insert_slice %z into %states[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<6x4x8xf32>
  %r:2 = scf.for %t = %c0 to %c5 step %c1 iter_args(%h = %s, %c = %s) -> (tensor<6x4x8xf32>, tensor<6x4x8xf32>) {
    %next = arith.addi %t, %c1 : index
    %h2 = tensor.insert_slice %x into %h[%next, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<6x4x8xf32>
    %c2 = tensor.insert_slice %x into %c[%next, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<6x4x8xf32>
    scf.yield %h2, %c2 : tensor<6x4x8xf32>, tensor<6x4x8xf32>
  }
  return %r#0, %r#1 : tensor<6x4x8xf32>, tensor<6x4x8xf32>
}
