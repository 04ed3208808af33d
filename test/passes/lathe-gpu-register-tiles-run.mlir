// The tiled loops compute what the untiled ones do: a 12x16 matmul with a
// bias, a 24-term reduction, through lathe-gpu-split-reductions (which
// keeps the accumulator in a private scalar) and lathe-gpu-register-tiles
// (4x4 outputs per iteration), run on the CPU against plain loops. Integer
// values make the sums exact.
// RUN: lathe-opt %s --lathe-gpu-split-reductions --lathe-gpu-register-tiles \
// RUN:   | FileCheck %s --check-prefix=IR
// RUN: lathe-opt %s --lathe-gpu-split-reductions --lathe-gpu-register-tiles \
// RUN:   | mlir-opt --convert-scf-to-cf --convert-math-to-llvm --convert-vector-to-llvm --finalize-memref-to-llvm \
// RUN:       --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm \
// RUN:       --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | FileCheck %s
// IR-LABEL: func.func @tiled
// IR: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c3, %c4) step (%c1, %c1)
// IR-COUNT-16: memref.alloca() : memref<f32>
// IR: scf.for
// IR-COUNT-16: arith.mulf
// IR: }
// CHECK: max difference
// CHECK-NEXT: 0
// CHECK-NEXT: sum
// CHECK-NEXT: -23136

func.func @tiled(%a: memref<12x24xf32>, %b: memref<24x16xf32>, %c: memref<12x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c24 = arith.constant 24 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c12, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c24 step %c1 {
      %x = memref.load %a[%i, %k] : memref<12x24xf32>
      %y = memref.load %b[%k, %j] : memref<24x16xf32>
      %acc = memref.load %c[%i, %j] : memref<12x16xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<12x16xf32>
    }
    scf.reduce
  }
  return
}

func.func @reference(%a: memref<12x24xf32>, %b: memref<24x16xf32>, %c: memref<12x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c24 = arith.constant 24 : index
  scf.for %i = %c0 to %c12 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      scf.for %k = %c0 to %c24 step %c1 {
        %x = memref.load %a[%i, %k] : memref<12x24xf32>
        %y = memref.load %b[%k, %j] : memref<24x16xf32>
        %acc = memref.load %c[%i, %j] : memref<12x16xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %acc, %p : f32
        memref.store %s, %c[%i, %j] : memref<12x16xf32>
      }
    }
  }
  return
}

// a[i][k] = i + k - 5, b[k][j] = (k mod 3) - (j mod 4), c starts at j.
func.func @fill(%a: memref<12x24xf32>, %b: memref<24x16xf32>, %c: memref<12x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c24 = arith.constant 24 : index
  scf.for %i = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c24 step %c1 {
      %s = arith.addi %i, %k : index
      %t = arith.subi %s, %c5 : index
      %n = arith.index_cast %t : index to i64
      %f = arith.sitofp %n : i64 to f32
      memref.store %f, %a[%i, %k] : memref<12x24xf32>
    }
  }
  scf.for %k = %c0 to %c24 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %r = arith.remui %k, %c3 : index
      %q = arith.remui %j, %c4 : index
      %ri = arith.index_cast %r : index to i64
      %qi = arith.index_cast %q : index to i64
      %d = arith.subi %ri, %qi : i64
      %f = arith.sitofp %d : i64 to f32
      memref.store %f, %b[%k, %j] : memref<24x16xf32>
    }
  }
  scf.for %i = %c0 to %c12 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %n = arith.index_cast %j : index to i64
      %f = arith.sitofp %n : i64 to f32
      memref.store %f, %c[%i, %j] : memref<12x16xf32>
    }
  }
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<12x24xf32>
  %b = memref.alloc() : memref<24x16xf32>
  %c = memref.alloc() : memref<12x16xf32>
  %r = memref.alloc() : memref<12x16xf32>
  call @fill(%a, %b, %c) : (memref<12x24xf32>, memref<24x16xf32>, memref<12x16xf32>) -> ()
  call @fill(%a, %b, %r) : (memref<12x24xf32>, memref<24x16xf32>, memref<12x16xf32>) -> ()
  call @tiled(%a, %b, %c) : (memref<12x24xf32>, memref<24x16xf32>, memref<12x16xf32>) -> ()
  call @reference(%a, %b, %r) : (memref<12x24xf32>, memref<24x16xf32>, memref<12x16xf32>) -> ()
  %res:2 = scf.for %i = %c0 to %c12 step %c1 iter_args(%m = %zero, %t = %zero) -> (f32, f32) {
    %inner:2 = scf.for %j = %c0 to %c16 step %c1 iter_args(%m2 = %m, %t2 = %t) -> (f32, f32) {
      %x = memref.load %c[%i, %j] : memref<12x16xf32>
      %y = memref.load %r[%i, %j] : memref<12x16xf32>
      %d = arith.subf %x, %y : f32
      %ad = math.absf %d : f32
      %m3 = arith.maximumf %m2, %ad : f32
      %t3 = arith.addf %t2, %x : f32
      scf.yield %m3, %t3 : f32, f32
    }
    scf.yield %inner#0, %inner#1 : f32, f32
  }
  vector.print str "max difference\n"
  vector.print %res#0 : f32
  vector.print str "sum\n"
  vector.print %res#1 : f32
  return
}
