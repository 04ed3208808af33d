//===- Passes.td - Lathe compiler passes -------------------*- tablegen -*-===//
#ifndef LATHE_PASSES_TD
#define LATHE_PASSES_TD

include "mlir/Pass/PassBase.td"

def LathePoolFirst : Pass<"lathe-pool-first", "mlir::ModuleOp"> {
  let summary = "Max-pool before a monotone activation (relu, leaky_relu)";
  let description = [{
    Rewrites `maxpool2d(relu(x))` into `relu(maxpool2d(x))` (and so for
    `leaky_relu` with alpha >= 0) where the activation has no other use.
    An activation that never reverses the order of two values commutes with
    taking a window's maximum, exactly in floating point; pooled first, it
    runs on a quarter of the values (2x2 windows), and the gradient reads
    the pooling's input and the pooled values instead of a full-size
    activation. Runs on the network functions before lathe-autodiff.
  }];
}

def LatheAutodiff : Pass<"lathe-autodiff", "mlir::ModuleOp"> {
  let summary = "Build train_step, grad, eval_step and predict for each recipe";
  let description = [{
    For every `lathe.supervised` recipe, clones its network and loss into new
    functions and differentiates them in reverse mode, op by op, with the
    gradient rules of `VJPRules.cpp`:

    - `@m.train_step(params, state, hyper, x, y, mask)` returns the updated
      parameters and optimizer state, the loss and the predictions; the optimizer update is IR
      (`Optimizers.cpp`), so later passes can fuse it with the backward pass.
    - `@m.grad(params, x, y, mask)` returns the loss and the gradient of
      every trainable parameter.
    - `@m.eval_step(params, x, y, mask)` returns the loss and the predictions.
    - `@m.predict(params, x)` returns the predictions.

    Each argument carries `lathe.role` (param, state, hyper, input, target,
    mask) and, for parameters and state, `lathe.param` and `lathe.init`.
    `hyper` is `[lr, 1 - beta1^t, 1 - beta2^t, 0]`, set by the runtime each
    step. A network with dropout makes `train_step` and `grad` take a `seed`
    (tensor<i32>, after `hyper` / the parameters) from which the dropout
    masks are drawn; `eval_step` and `predict` skip dropout. Parameters
    marked `lathe.buffer` (a batch normalization's running statistics) get
    no gradient and no optimizer state: `train_step` and `grad` normalize
    with the batch's statistics (`lathe.batchnorm_train`, its padding rows
    left out by the mask), and `train_step` returns the new running
    statistics in their places among the parameters. The original
    network, loss and recipe ops are left in place.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect"];
}

def LatheLowerToLinalg : Pass<"lathe-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower Lathe layer, activation and loss ops to linalg on tensors";
  let description = [{
    Rewrites each Lathe op into linalg structured ops (matmuls, maps,
    reductions) plus tensor reshapes. Ops without a lowering yet are reported
    at their model-file location and the pass fails.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect"];
}

def LatheStripModel : Pass<"lathe-strip-model", "mlir::ModuleOp"> {
  let summary = "Keep only the entry points the runtime calls";
  let description = [{
    Erases recipe ops and every function that is not a train_step, grad,
    eval_step or predict entry point, marks the entry points public and drops
    their `lathe.*` argument attributes (read into the model description
    before), so bufferization sees only what is compiled.
  }];
}

def LatheFuseElementwise : Pass<"lathe-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise producers into their consumers (linalg on tensors)";
  let description = [{
    Applies upstream linalg elementwise fusion where a producer (all loops
    parallel) has a single use: its body moves into the consumer, and the
    intermediate tensor is never written. This joins the chains the
    gradient rules build (max-pool routing and the ReLU mask, the softmax
    and cross-entropy gradients, an activation and its use) into one loop
    each. Producers with several uses are left alone, so no work is
    duplicated. `lathe.matmul` ops are neither fused into nor moved: their
    form is what lathe-vectorize-matmul matches.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def LatheLoopOrder : Pass<"lathe-loop-order"> {
  let summary = "Put the output's contiguous dimension innermost in reductions and convolutions";
  let description = [{
    Interchanges the loops of reductions (linalg ops with a reduction
    iterator: bias gradients, column sums, max pooling) and of six-loop ops
    (im2col, col2im) so the innermost loop is the parallel dimension that
    indexes the output's last (contiguous) dimension. Lowered to loops, the
    innermost loop then reads and writes contiguously and carries no
    dependence through memory, and LLVM vectorizes it; a reduction left
    innermost would stay scalar (its adds may not be reassociated). Named
    ops are generalized first. `lathe.matmul` ops are left to
    lathe-vectorize-matmul.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def LathePartition : Pass<"lathe-partition", "mlir::ModuleOp"> {
  let summary = "Cut a step's large ops into per-thread parts that own the same slices";
  let description = [{
    For each function with `lathe.params` (every step): every parameter of
    at least `min-work` elements is split along its first dimension, and
    the split is propagated through the linalg ops that read or write it or
    a value split alike. Along a parallel loop an op becomes an scf.forall
    of `parts` iterations tagged `lathe.parts`, each computing its slice in
    place (a fill or broadcast its destination starts from is computed in
    each part); along a matmul's reduction the op becomes such a loop too,
    iteration t adding up its share into zeros as slice t of a stacked
    [parts, ...] tensor, and the slices are summed after it. Large ops
    (`big-work` iterations) no parameter reached are then cut along their
    first parallel loop. Part t of every op then touches the
    same slices of the weights, their gradients and the optimizer's moments,
    so the thread that runs it keeps them in its cache. A weight's gradient
    that only its optimizer update reads is computed in the update's parts
    (where lathe-fuse-gradient-update then computes it in blocks). A
    matmul's reduction shorter than 128 is not cut (its partial sums would
    be as large as its result), nor its columns into parts narrower than 32
    (a register tile); a matmul with a reduction of 1,024 or more into a
    result of 64 KB or less is cut along the reduction whatever cut reached
    it (each part reads half of each operand). Ops nested in loops (an
    LSTM's time steps) are not cut; the loops stay whole (thread 0), or
    come cut already (an LSTM's recurrence, one loop per part of the batch).
  }];
  let options = [
    Option<"parts", "parts", "int64_t", /*default=*/"2", "Parts (threads)">,
    Option<"minWork", "min-work", "int64_t", /*default=*/"2048",
           "Iterations an op needs to be cut">,
    Option<"bigWork", "big-work", "int64_t", /*default=*/"65536",
           "Iterations that get an op cut when no parameter reaches it">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def LatheVectorizeMatmul : Pass<"lathe-vectorize-matmul"> {
  let summary = "Register-tile and vectorize the matmuls (on tensors)";
  let description = [{
    Tiles every `lathe.matmul`-tagged linalg.generic (loops i, k, j) into
    register tiles of up to 8 rows by 32 columns (12 rows for at least 96
    rows over a reduction of at least 256, the rows split into a multiple
    of 12 and a rest; sizes dividing the static shape, so no tile is
    partial), with the reduction loop innermost, turns
    each tile into a `vector.contract`, and hoists the tile of C out of the
    reduction loop into vector loop-carried values: the k loop then does
    broadcasts of A, loads of B and FMAs only. Where C starts as a constant
    (a zero fill), the tiles start from that constant in registers and C is
    never filled in memory; where C starts as a bias broadcast over its rows
    (dense layers, convolutions), each tile starts from its columns of the
    bias, and the broadcast matrix is never built. Where each row of C has at least 2^14
    multiply-adds, the row blocks are an scf.forall (OpenMP threads later).
    Where one sweep of the reduction spans more than 2 MB of B's rows (and
    of A's, when A is read transposed: weight gradients), the reduction is
    first cut into blocks of at most 1 MB, an scf.for adding into C, so that
    each block's rows stay in the L2 cache and its TLB; a wide C (at least
    256 columns) is then cut into column blocks of at most 512 KB of B.
    When such a C starts as zeros and there are at most four reduction
    blocks, the first block is split off and starts from zeros in
    registers. A wide B read by many row tiles is packed per block into
    tile columns, a row of B at a time.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def LatheDirectConv : Pass<"lathe-direct-conv"> {
  let summary = "Convolutions read through their windows instead of im2col rows (CPU)";
  let description = [{
    Rewrites each matmul that reads an im2col's rows (a convolution's
    forward product, or its filter gradient, as lathe-lower-to-linalg
    writes them) into a direct convolution: a linalg.generic tagged
    `lathe.conv` ("forward": loops n, oh, ow, f, i, j, c; "filter": loops
    i, j, c, f, n, oh, ow) that reads the padded input through the window
    map, for lathe-vectorize-conv to tile. Window sums (a convolution's
    input gradient or a transposed convolution: the products dy · Wᵀ
    added back into the input by col2im) become one stride-1 "forward"
    convolution per stride phase of the output, of dy padded with zeros
    and the phase's taps flipped, each written to its phase's rows and
    columns. With `mode=auto` only the shapes measured faster that way are
    rewritten; `direct` rewrites every one, `im2col` none. The im2col and
    the window gradients go when nothing reads them.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto (by shape), direct or im2col">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def LatheVectorizeConv : Pass<"lathe-vectorize-conv"> {
  let summary = "Register-tile and vectorize the direct convolutions (on tensors)";
  let description = [{
    Tiles every `lathe.conv` linalg.generic into register tiles that keep
    up to 12 rows of 32 output columns in vector registers across the whole
    reduction: for a forward convolution the rows are neighbouring output
    positions of one output row (a row whose width has no tile of 12, 8
    or 6 is split into a multiple of 8 and the rest), each step one
    window tap (i, j, c) read in place; for a filter gradient the rows are
    neighbouring taps (8 channels, or whole window rows of few channels),
    each step one output position. A step loads the 32 columns, broadcasts
    one value per row and does one FMA per row and vector. Outputs that
    start as a constant or a bias broadcast start so in registers.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::vector::VectorDialect"];
}

def LatheVectorizeTranspose : Pass<"lathe-vectorize-transpose"> {
  let summary = "Transpose in 16x16 register blocks (on tensors)";
  let description = [{
    Tiles every 2-D transposing copy (a linalg.generic that yields its input
    read through (d0, d1) -> (d1, d0)) whose sides are multiples of 16 into
    16x16 blocks and vectorizes each block: 16 row reads, a
    vector.transpose, 16 row writes. Lowered to plain loops, such a
    transpose reads one element per cache line and becomes gathers.
    lathe-lower-vectors moves the block's elements one by one between
    registers: the shuffle networks (16x16 unpack/permute) ran 13% faster
    on the CNN but cost LLVM's shuffle combiner 2-3 s of compile time.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect"];
}

def LatheFuseGradientUpdate : Pass<"lathe-fuse-gradient-update", "mlir::func::FuncOp"> {
  let summary = "Compute a weight's gradient block by block inside its optimizer update";
  let description = [{
    For an elementwise linalg.generic over whole operands (an optimizer
    update) that reads the result of a `lathe.matmul` op nothing else reads
    (a weight's gradient), in the same block: tiles the update along its
    first loop in blocks of 8 rows (scf.for) and fuses the matmul and the
    fill it starts from into each block, from a block-sized empty tensor.
    The gradient then never goes to memory whole. Runs after
    lathe-partition, which computes such a gradient in the parts of its
    update.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"];
}

def LatheFlattenElementwise : Pass<"lathe-flatten-elementwise"> {
  let summary = "Collapse N-D elementwise ops over whole operands into 1-D ops";
  let description = [{
    Collapses every elementwise linalg.generic (all loops parallel) whose
    operands all use identity maps or are scalars, and every N-D linalg.fill,
    into a 1-D op over reshaped operands. Lowered to loops, an N-D op's
    address arithmetic can hide that its inner loop is contiguous, and LLVM
    then vectorizes it with gathers and scatters; one flat loop vectorizes
    with plain loads and stores. The reshapes are views after
    bufferization. On buffers, an op is collapsed where every buffer it
    touches is contiguous (whole, or whole rows of a larger one); the
    pipeline runs the pass there again for what it had to leave N-D on
    tensors, such as an optimizer update of a returned weight.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def LatheLowerVectors : Pass<"lathe-lower-vectors"> {
  let summary = "Lower the matmul tiles' vector ops to FMAs and 1-D transfers";
  let description = [{
    After bufferization: vector.contract to outer products to `vector.fma`,
    and transfers, broadcasts and shape casts to the 1-D forms LLVM lowering
    takes. The pattern sets run one after the other, never together.
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect"];
}

def LatheScheduleThreads : Pass<"lathe-schedule-threads", "mlir::ModuleOp"> {
  let summary = "Run a cut step as one OpenMP parallel region with barriers where needed";
  let description = [{
    After bufferization, for each function with `lathe.parts` loops (the
    scf.forall ops lathe-partition made, one iteration per part): the
    function's work becomes one omp.parallel region. Thread t runs
    iteration t of every parts loop (all iterations when it runs alone;
    none where a loop has fewer iterations than threads),
    thread 0 runs the other ops in scf.if, and every thread runs the scalar
    loads and arithmetic. A barrier (a call of `lathe_barrier()`, the
    runtime's spinning barrier; the module gets a weak definition that is
    omp.barrier) goes before an op only where one
    thread would read or write a box of a buffer that another thread wrote
    (or read, for a write) since the last barrier; boxes come from the
    views' offsets, evaluated per iteration. Allocations move before the
    region and deallocations stay after it. A function in which a value
    that thread 0 computes alone would feed a parts loop is left as it is.
    A buffer larger than 16 KB that a part allocates for itself becomes a
    view of one buffer allocated before the region, at that part's slice.
    Ops thread 0 runs alone after the last parts loop (small layers
    optimizer updates) first move up to just after the last op they depend
    on, so that the other threads do not wait for them at the region's end.
    Between the two barriers where the other threads wait longest for
    thread 0's ops (by an estimate of their loop iterations), they call
    `lathe_idle_work()` before the closing barrier: the runtime gathers the
    next batch there. The module gets a weak definition that does nothing,
    for programs without the runtime.
  }];
  let options = [
    Option<"parts", "parts", "int64_t", /*default=*/"2", "Parts (threads) of the loops">,
  ];
  let dependentDialects = ["mlir::omp::OpenMPDialect", "mlir::scf::SCFDialect",
                           "mlir::func::FuncDialect", "mlir::ub::UBDialect",
                           "mlir::arith::ArithDialect"];
}

def LatheWorkspace : Pass<"lathe-workspace", "mlir::ModuleOp"> {
  let summary = "Serve each entry point's buffers from one preallocated block";
  let description = [{
    After bufferization (and lathe-split-functions): every buffer of static
    size that an entry point (`lathe.entry`: a training step, an
    evaluation, a prediction) allocates in its top block and frees there
    becomes a view at a fixed offset of one private global,
    `lathe.workspace`, which all entry points share, reserved for the
    program's life; its deallocations are erased. Buffers whose uses (first
    to last) do not overlap share bytes; each starts at a multiple of 64
    bytes. A step then calls no allocator. Buffers allocated in nested
    regions (a parallel body's, one per thread) are left alone. The entry
    points are not reentrant afterwards: concurrent calls would share the
    workspace.
    With `declared`, the block is declared, not defined, and named with its
    size, `lathe.workspace.<bytes>`: a JIT maps fresh pages for it
    (JitModel), which the first step touches as an executable's zero pages,
    where its linker would zero a defined block before the first step.
  }];
  let options = [Option<"declared", "declared", "bool", "false",
                        "Declare the block as lathe.workspace.<bytes> for a "
                        "JIT to provide">];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def LatheSplitFunctions : Pass<"lathe-split-functions", "mlir::ModuleOp"> {
  let summary = "Cut large functions into calls of pieces compiled in parallel";
  let description = [{
    After bufferization: each function whose one block holds more than two
    pieces' worth of ops (counted with everything nested) is cut into
    consecutive runs of about equal size, each moved into a private
    function `<name>.pieceN` (internal, noinline) that the function calls.
    Allocations move to the top and are passed to the pieces as noalias
    arguments; deallocations stay in the function, after the call of the
    piece that held them; constants and views are copied next to their
    users; scalars crossing a cut are results. MLIR's function passes and
    Lathe's code generation threads then share a training step's work
    instead of waiting for it. A function in which a buffer other than an
    allocation or an argument would cross a cut is left whole.
  }];
  let options = [
    Option<"pieceOps", "piece-ops", "int64_t", /*default=*/"200",
           "Ops (nested ones included) in a piece">,
    Option<"maxPieces", "max-pieces", "int64_t", /*default=*/"8",
           "Pieces of one function at most">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def LatheUnshareInits : Pass<"lathe-unshare-inits", "mlir::ModuleOp"> {
  let summary = "Recompute a constant initial tensor for each op that writes into it";
  let description = [{
    CSE merges equal zero fills (a padded buffer's border, a col2im's
    accumulator, a reduction's start), and one-shot bufferization then
    copies the one filled buffer for every op that writes into it after the
    first: the DCGAN copied a 4.7 MB zero buffer every step. Run after the
    last CSE and before bufferization, this pass gives each writing use
    (a destination operand, an insert_slice's destination, a forall's
    shared output, an scf.for's initial iteration argument) its own copy of
    the op that computes the constant: a linalg.fill, a generic or a forall
    of parts that reads nothing but constants and empty tensors, or the
    insert of such a constant at a static place of an empty tensor (an
    LSTM's states of h and of c, zeros in row 0 only). A fill writes once
    where a copy reads and writes. An empty tensor that strided insert_slices fill piece by piece
    (the stride phases of an input gradient) gets one empty tensor per such
    frame when something else writes into it too, so that the pieces are
    computed in the frame's own buffer rather than copied into it.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def LatheReadInsertedSlices : Pass<"lathe-read-inserted-slices", "mlir::func::FuncOp"> {
  let summary = "Read a value inserted into a larger tensor from the insert's result";
  let description = [{
    Just before bufferization: where a tensor is inserted into a larger
    one (`tensor.insert_slice %v into %d`) and `%v` is read again after
    the insert, those later reads take the same slice of the insert's
    result instead. The values are the same. One-shot bufferization
    computes `%v` in place in `%d`'s buffer only when nothing reads `%v`
    after the insert writes that buffer; otherwise it gives `%v` a buffer
    of its own, copies its destination's old contents there and copies
    `%v` into `%d` again. This is the pattern of a padded gradient whose
    unpadded value a filter gradient also reads: the DCGAN copied 1.6 MB
    twice for each such gradient in each step. It must run after the last
    canonicalization, which folds such a slice back to `%v`.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def LatheStridedCopies : Pass<"lathe-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Copies between strided views with static shapes as linalg.copy";
  let description = [{
    On buffers, before the loops: a memref.copy whose source or target is
    not one contiguous run of memory (a gradient copied into a column block
    of a wider tensor) and whose shapes are static becomes a linalg.copy,
    lowered to loops that LLVM vectorizes, instead of a call of the
    runtime's memrefCopy, which copies one inner run at a time (an LSTM's
    four gate gradients were 12,800 calls of 128 bytes a step). Contiguous
    copies stay memref.copy, a memcpy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def LatheUpdateInPlace : Pass<"lathe-update-in-place", "mlir::ModuleOp"> {
  let summary = "Write a step's new parameters and optimizer state over the old";
  let description = [{
    Before bufferization: each result of an entry point that its
    `lathe.updates` attribute (set by lathe-autodiff: result i is the new
    value of argument updates[i]) maps to an argument is materialized in
    that argument (bufferization.materialize_in_destination), and the
    module's empty tensors are eliminated (MLIR's empty-tensor elimination,
    analysing function boundaries). With one-shot-bufferize and
    lathe-drop-argument-results after it, the optimizer's update writes
    the argument's buffer in place and the result leaves the signature: a
    step reads and writes one set of parameter and state buffers, not two.
    An update cut into parts (an scf.forall) reads the old values through
    its shared output. Where the old value is read after the update, the
    update is computed aside and copied into the argument at the end.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def LatheDropArgumentResults : Pass<"lathe-drop-argument-results", "mlir::ModuleOp"> {
  let summary = "Drop the results a step wrote into its arguments";
  let description = [{
    After one-shot-bufferize, for each entry point with `lathe.updates`
    (left by lathe-update-in-place): result i must be argument updates[i]
    itself (the update was written in place; fails otherwise), and is
    removed from the return and the signature. MLIR's
    drop-equivalent-buffer-results does the same for private functions
    only.
  }];
}

def LatheApproximateMath : Pass<"lathe-approximate-math"> {
  let summary = "f32 exp, log and tanh as polynomials that vectorize";
  let description = [{
    Rewrites `math.exp`, `math.log` and `math.tanh` on f32 into MLIR's
    polynomial approximations (arithmetic, FMAs, bit casts), so that the
    elementwise loops computing sigmoids, tanhs, softmaxes and losses
    vectorize instead of calling libm once per element.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def LatheConvertToLLVM : Pass<"lathe-convert-to-llvm", "mlir::ModuleOp"> {
  let summary = "memref, cf, func and OpenMP ops to the LLVM dialect at once";
  let description = [{
    One dialect conversion with the patterns of MLIR's
    finalize-memref-to-llvm, convert-cf-to-llvm, convert-func-to-llvm
    (bare pointers for memrefs) and convert-openmp-to-llvm, instead of four
    module passes that each walk the whole module. Runs after the
    function-level lowerings (vector, arith, math, index, scf to cf).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def LatheConvertScalarsToLLVM : Pass<"lathe-convert-scalars-to-llvm"> {
  let summary = "arith, math, index and ub ops to the LLVM dialect at once";
  let description = [{
    One dialect conversion with the patterns of MLIR's
    convert-math-to-llvm, convert-arith-to-llvm, convert-index-to-llvm and
    convert-ub-to-llvm (their default options), instead of four passes
    that each walk every function. Runs on functions, after the vectors
    are lowered.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def LatheGpuLoopOrder : Pass<"lathe-gpu-loop-order", "mlir::ModuleOp"> {
  let summary = "Parallel loops first, reductions innermost (GPU)";
  let description = [{
    Interchanges each linalg.generic so that its parallel loops come first,
    in their order, and its reductions last: a matmul (i, k, j) becomes
    (i, j, k). Lowered to loops, the parallel loops then form one
    scf.parallel that maps to GPU blocks and threads, each thread running
    its reduction alone.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def LatheGpuBuffers : Pass<"lathe-gpu-buffers", "mlir::ModuleOp"> {
  let summary = "Buffers that both the host and the GPU reach";
  let description = [{
    After bufferization: each memref.alloc becomes a gpu.alloc (the
    runtime's pool of CUDA managed memory, which the host's loops and the
    kernels both reach) and its memref.dealloc a gpu.dealloc, both made
    asynchronous on the step's stream by gpu-async-region; each
    memref.copy becomes a linalg.copy, so that it runs as a kernel.
    A constant array in the host's data (memref.get_global) is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect"];
}

def LatheGpuMapLoops : Pass<"lathe-gpu-map-loops"> {
  let summary = "One flat scf.parallel per kernel: blocks of 256 threads";
  let description = [{
    Each outermost scf.parallel with static bounds is flattened into one
    dimension (the indices recovered with affine.delinearize_index, the
    last fastest, so that neighbouring threads touch neighbouring
    elements) and tiled by 256: the outer loop maps to blocks, the inner
    one to threads (gpu-map-parallel-loops then sets the mapping).
  }];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::scf::SCFDialect"];
}

def LatheGpuDeviceScalars : Pass<"lathe-gpu-device-scalars", "mlir::func::FuncOp"> {
  let summary = "A step's scalar work stays on the GPU: no host reads between kernels";
  let description = [{
    Reductions to a scalar (a loss, a count of samples) have no parallel
    loop and would run on the host between kernels, which makes the host
    wait for the GPU and moves their pages back and forth. Each such
    top-level loop, and each top-level store, becomes a one-thread
    parallel loop (a kernel of one thread). A scalar the host loads and
    computes with only to hand it to later parallel loops (1 / count) is
    loaded inside each of them instead, unless something between writes
    the buffer it comes from.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def LatheGpuScatterAtomics : Pass<"lathe-gpu-scatter-atomics", "mlir::func::FuncOp"> {
  let summary = "Scattered sums (col2im) parallel in every dimension, added atomically";
  let description = [{
    A parallel loop whose body is a perfect nest of sequential loops (from
    0, step 1, fixed ends) around straight-line code that adds a term to
    an element its indices pick with the sequential loops' variables
    (out[n, 2i + ky, 2j + kx, c] += cols[...], a convolution's input
    gradient) runs few threads with long walks. It becomes one parallel
    loop over all the dimensions whose read-modify-write is one atomic
    add. The body may read the output nowhere else; sums whose element the
    sequential loops do not move are left to lathe-gpu-split-reductions.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect"];
}

def LatheGpuSplitReductions : Pass<"lathe-gpu-split-reductions", "mlir::func::FuncOp"> {
  let summary = "Sums over long reductions split across threads, added atomically";
  let description = [{
    A parallel loop with few iterations whose body sums over a long
    reduction loop nest (a bias gradient over the batch and the image, a
    dense layer's 5408 inputs) keeps most of the GPU idle. Its reduction
    nest (made one loop when it is perfect with fixed bounds) is cut into
    chunks that become one more, outermost, parallel dimension; each thread sums its chunk in a register and adds it to the
    output with one atomic add (the output already holds the initial
    value the linalg op starts from). Only sums (arith.addf) are split;
    any other accumulation, and a sum with threads enough, keeps its
    output element in a private scalar through the nest.
  }];
  let options = [
    Option<"targetThreads", "target-threads", "int64_t", "262144",
           "Threads to aim for in all (an H100 holds 270336 at once)">,
    Option<"minChunk", "min-chunk", "int64_t", "16",
           "Fewest terms per thread">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def LatheGpuMatmulTiles : Pass<"lathe-gpu-matmul-tiles", "mlir::func::FuncOp"> {
  let summary = "Matmuls as kernels of shared-memory tiles";
  let description = [{
    A matmul on buffers (linalg.generic: two parallel dimensions and one
    reduction, C += A B with A and B each possibly transposed, f32, static
    shapes) whose reduction has `min-reduction` terms or more becomes a
    gpu.launch of its own: blocks of 256 threads, each computing a 64 x 64
    tile of C (32 x 32 when C has fewer than 64 rows or columns, or when
    tiles of 64, their chunks included, would number fewer than half of
    `fill-blocks`), 16-deep
    slices of A and B staged in shared memory (workgroup attributions of
    16 x (edge + 4), a gpu.barrier after staging and after use), each
    thread holding an (edge / 16) x (edge / 16) block of sums in registers. When the tiles number fewer
    than `fill-blocks`, the reduction is cut into chunks of at least 128
    terms, a third grid dimension, each added to C with atomic adds.
    Ragged edges are guarded: loads outside the operands read 0, stores
    outside C are skipped.
  }];
  let options = [
    Option<"minReduction", "min-reduction", "int64_t", "32",
           "Fewest reduction terms for a matmul to be tiled">,
    Option<"fillBlocks", "fill-blocks", "int64_t", "264",
           "Blocks that fill the GPU (two per SM of an H100)">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect", "mlir::vector::VectorDialect"];
}

def LatheGpuRegisterTiles : Pass<"lathe-gpu-register-tiles", "mlir::func::FuncOp"> {
  let summary = "Each thread computes a tile of a matmul's outputs";
  let description = [{
    A parallel loop over output elements whose body accumulates through a
    loop (a matmul, an im2col convolution) loads two operands per
    multiply-add. Its last two dimensions are unrolled by `size` and the
    size x size copies of the reduction loop jammed into one: a thread
    computes a size x size tile of outputs, and each row and column operand
    it loads serves `size` multiply-adds (LLVM merges the repeated loads
    once the accumulators are registers). Loops whose last two trip counts
    `size` does not divide, or whose reduction bounds depend on them, are
    left alone.
  }];
  let options = [
    Option<"size", "size", "int64_t", "4", "Tile edge (outputs per thread: size x size)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def LatheGpuHostShared : Pass<"lathe-gpu-host-shared", "mlir::func::FuncOp"> {
  let summary = "Buffers the host code reaches in managed memory";
  let description = [{
    After gpu-async-region: a gpu.alloc whose buffer (or a view of it) is
    used by anything but gpu.launch_func and gpu.dealloc (a host loop's
    load, a call, a return) gets `host_shared`. The runtime places
    host-shared buffers in managed memory and all others in device
    memory. gpu-to-llvm lowers no asynchronous host-shared allocation, so
    such an allocation becomes `gpu.wait [deps]`, a synchronous
    `gpu.alloc host_shared` and `gpu.wait async` for its token.
    A memref argument that the host code reaches (a recurrent model's
    token ids, read in a host loop) is copied on entry into a host-shared
    buffer that stands for it everywhere, copied back before each return
    unless only host loads use it (a kernel may write it), and freed
    there; the runtime can then
    pass every argument in device memory.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def LatheGpuKernelModule : Pass<"lathe-gpu-kernel-module", "mlir::ModuleOp"> {
  let summary = "All kernels in one GPU module, with names PTX accepts";
  let description = [{
    After gpu-kernel-outlining, which makes one gpu.module per kernel: the
    kernels move into one gpu.module, `lathe_kernels`, so that a model is
    one PTX file (one ptxas run, one cuModuleLoadData). Each kernel takes
    its old module's name (`model.train_step_kernel_3`) with the
    characters a PTX identifier cannot hold (the dots) replaced by `_`;
    the launches follow. Shared-memory (workgroup) buffers are aligned to
    16 bytes, so that vector loads of four floats may read them.
  }];
}

def LatheGpuNarrowIndices : Pass<"lathe-gpu-narrow-indices"> {
  let summary = "Kernels' index splits (affine.delinearize_index) in 32 bits";
  let description = [{
    A flattened parallel loop splits each thread's linear index back into
    its dimensions with affine.delinearize_index: a division and a
    remainder per dimension in 64 bits, which NVIDIA GPUs expand into
    several 32-bit instructions each. A split with a static basis whose
    product is below 2^31 is done in i32 instead (an unsigned cast of the
    index, divui/remui by constants, casts back); the outermost part is
    what remains after the inner divisions.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def LatheGpuMath : Pass<"lathe-gpu-math"> {
  let summary = "Kernels' math without libdevice";
  let description = [{
    convert-gpu-to-nvvm turns math ops into calls to CUDA's libdevice
    (`__nv_floorf`), which only a CUDA toolkit provides. Inside GPU
    modules, after lathe-approximate-math has made exp, log and tanh
    arithmetic, the math ops left become what LLVM's NVPTX back end
    lowers itself: fma, sqrt, floor, ceil and fabs as LLVM intrinsic calls
    (cvt.rmi, sqrt.rn, fma.rn), absf as a sign-bit mask. Any other math op
    in a kernel is an error.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif
