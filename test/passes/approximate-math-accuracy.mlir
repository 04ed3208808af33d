// RUN: lathe-opt %s --lathe-approximate-math \
// RUN:   | mlir-opt --convert-vector-to-llvm --convert-scf-to-cf --convert-math-to-llvm \
// RUN:       --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm \
// RUN:       --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:       -shared-libs=%mlir_lib_dir/libmlir_c_runner_utils.so \
// RUN:   | FileCheck %s

// Each f32 approximation against the f64 function (which the pass leaves
// alone) at n points of a sweep: the worst error relative to max(1, |f|)
// for tanh and log and to |f| for exp, then whether it is under 4e-7
// (about 3 ulp).
// CHECK-LABEL: exp worst
// CHECK-NEXT: {{[0-9.e+-]+$}}
// CHECK-NEXT: {{^1$}}
// CHECK-LABEL: tanh worst
// CHECK-NEXT: {{[0-9.e+-]+$}}
// CHECK-NEXT: {{^1$}}
// CHECK-LABEL: log worst
// CHECK-NEXT: {{[0-9.e+-]+$}}
// CHECK-NEXT: {{^1$}}

// kind 0: exp(x), kind 1: tanh(x), kind 2: log(exp(x)) with exp in f64.
func.func @error(%u: f64, %kind: index) -> f64 {
  %one = arith.constant 1.0 : f64
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.index_switch %kind -> f64, f64
  case 0 {
    %x = arith.truncf %u : f64 to f32
    %a = math.exp %x : f32
    %xd = arith.extf %x : f32 to f64
    %ad = arith.extf %a : f32 to f64
    %ref = math.exp %xd : f64
    scf.yield %ad, %ref : f64, f64
  }
  case 1 {
    %x = arith.truncf %u : f64 to f32
    %a = math.tanh %x : f32
    %xd = arith.extf %x : f32 to f64
    %ad = arith.extf %a : f32 to f64
    %ref = math.tanh %xd : f64
    scf.yield %ad, %ref : f64, f64
  }
  default {
    %e = math.exp %u : f64
    %x = arith.truncf %e : f64 to f32
    %a = math.log %x : f32
    %xd = arith.extf %x : f32 to f64
    %ad = arith.extf %a : f32 to f64
    %ref = math.log %xd : f64
    scf.yield %ad, %ref : f64, f64
  }
  %diff = arith.subf %r#0, %r#1 : f64
  %abs = math.absf %diff : f64
  %mag = math.absf %r#1 : f64
  %isExp = arith.cmpi eq, %kind, %c0 : index
  %floor = arith.maximumf %mag, %one : f64
  %scale = arith.select %isExp, %mag, %floor : f64
  %err = arith.divf %abs, %scale : f64
  return %err : f64
}

func.func @worst(%lo: f64, %hi: f64, %n: index, %kind: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %ni = arith.index_cast %n : index to i64
  %nd = arith.sitofp %ni : i64 to f64
  %span = arith.subf %hi, %lo : f64
  %step = arith.divf %span, %nd : f64
  %w = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %ii = arith.index_cast %i : index to i64
    %id = arith.sitofp %ii : i64 to f64
    %o = arith.mulf %id, %step : f64
    %u = arith.addf %lo, %o : f64
    %e = func.call @error(%u, %kind) : (f64, index) -> f64
    %m = arith.maximumf %acc, %e : f64
    scf.yield %m : f64
  }
  return %w : f64
}

func.func @report(%w: f64) {
  %tol = arith.constant 4.0e-7 : f64
  vector.print %w : f64
  %ok = arith.cmpf olt, %w, %tol : f64
  vector.print %ok : i1
  return
}

func.func @main() {
  %n = arith.constant 200000 : index
  %k0 = arith.constant 0 : index
  %k1 = arith.constant 1 : index
  %k2 = arith.constant 2 : index
  %elo = arith.constant -80.0 : f64
  %ehi = arith.constant 80.0 : f64
  %tlo = arith.constant -12.0 : f64
  %thi = arith.constant 12.0 : f64
  %llo = arith.constant -80.0 : f64
  %lhi = arith.constant 80.0 : f64
  vector.print str "exp worst\n"
  %we = func.call @worst(%elo, %ehi, %n, %k0) : (f64, f64, index, index) -> f64
  func.call @report(%we) : (f64) -> ()
  vector.print str "tanh worst\n"
  %wt = func.call @worst(%tlo, %thi, %n, %k1) : (f64, f64, index, index) -> f64
  func.call @report(%wt) : (f64) -> ()
  vector.print str "log worst\n"
  %wl = func.call @worst(%llo, %lhi, %n, %k2) : (f64, f64, index, index) -> f64
  func.call @report(%wl) : (f64) -> ()
  return
}
