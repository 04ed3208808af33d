"""Random small models against PyTorch: for each seed, a model file of one
family is generated, `lathe trace` writes its initial weights, a batch and
the loss and gradients there, and PyTorch computes the same loss and
gradients from the same weights and batch.

Usage: random_models.py LATHE DIR FAMILY FIRST_SEED COUNT [TRACE_ARGS...]

Families:
  gan    a generator (dense, reshape, transposed convolutions) and a
         discriminator (strided convolutions, leaky ReLU, dense sigmoid):
         one discriminator step and one generator step, at SGD's lr 1.
  dense  1-3 dense layers of odd and even widths on inputs of 1-784 values,
         dropout and layer normalization between them, with a softmax (class labels or one-hot), sigmoid or linear (mse)
         output.
  conv   image classifiers: 1-3 convolutions (kernel 1-5, stride 1-3, same
         or valid padding, an activation or none), max or average pooling, leaky ReLU,
         a transposed convolution, dense layers; or a generator-like stack
         (dense, reshape, transposed convolutions, a convolution).
  rnn    embeddings (padding masked or not) or float sequences, one or
         two LSTMs or GRUs (one or both directions) with or without
         sequences, dropout and layer normalization after them, flatten (or
         a masked mean or maximum over the steps), dense layers; softmax or sigmoid
         outputs. Masked layers are replayed as PyTorch's packed sequences
         of each sample's steps without its padding.
  seq    text convolutions: embeddings (or float sequences), 1-3 conv1d
         (kernel 1-5, stride 1-2, same or valid padding, an activation or
         none), layer normalization, max or average pooling over time
         (overlapping windows too),
         dropout, then global_avgpool, global_maxpool or flatten and dense
         layers.

Every family but seq draws batch normalization too, placed as it is used (after a
layer without a bias or after an activation, then an activation); its
running statistics are compared after the steps, for a gan after each
step (every pass of a gan's steps is a training one).

The evaluation step's loss and predictions on the batch are compared too.
Each model gets one of SGD, SGD with momentum (and weight decay), RMSprop,
Adam and AdamW, and the
weights after the trace's three training steps (the cut, fused training
step, not the gradient function) are compared too.

With `--ptxas PTXAS` among the arguments, each model is compiled for the
NVPTX target instead (the other arguments go to `lathe`) and its PTX
assembled with ptxas for sm_90.

Prints `ok: SEED: worst relative error E` per model, or `FAIL:` with the
model and the tensors that differ; exits 1 when any model fails.
"""
import os
import random
import re
import subprocess
import sys

import torch
import torch.nn.functional as F

from safetensors_io import read_safetensors, rel
from torch_parity import dropout_mask, gru, lstm, optimizer

TOLERANCE = 1e-4
EPS = 1e-7


def same_pads(size, k, s):
    """Keras's 'same' padding: (low, high), the extra one at the end."""
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv_model(rng):
    if rng.random() < 0.25:
        return generator_model(rng)
    h, c = rng.choice([8, 10, 12, 14, 16, 28]), rng.choice([1, 2, 3])
    layers, size = [], h
    for _ in range(rng.randint(1, 3)):
        k, s = rng.choice([1, 2, 3, 5]), rng.choice([1, 1, 2, 3])
        pad, f = rng.choice(["same", "valid"]), rng.choice([4, 8, 16])
        act = rng.choice(["relu", "tanh", "sigmoid", None])
        if pad == "valid" and size < k:
            continue
        size = (size - k) // s + 1 if pad == "valid" else (size + s - 1) // s
        layers.append(f"conv2d({f}, kernel={k}, stride={s}, padding={pad}"
                      + (f", activation={act})" if act else ")"))
        if rng.random() < 0.3 and size >= 2:
            p = rng.choice([2, 3]) if size >= 3 else 2
            layers.append(f"{rng.choice(['maxpool', 'avgpool'])}({p})")
            size = (size - p) // p + 1
        if rng.random() < 0.2:
            layers.append("leaky_relu(0.1)")
        elif act and rng.random() < 0.25:
            # After an activation (a convolution's bias before it would get
            # no gradient), and followed by one.
            layers += [rng.choice(BATCHNORMS), "leaky_relu(0.1)"]
    if rng.random() < 0.3:
        layers.append(f"conv2d_transpose({rng.choice([2, 4])}, "
                      f"kernel={rng.choice([3, 4, 5])}, "
                      f"stride={rng.choice([1, 2])}, padding=same)")
    layers.append("global_avgpool" if rng.random() < 0.3 else "flatten")
    if rng.random() < 0.5:
        layers.append(f"dense({rng.choice([16, 32, 64])}, "
                      f"activation={rng.choice(['relu', 'tanh'])})")
    layers.append("dense(5, activation=softmax)")
    return classifier(f"f32[{h}, {h}, {c}]", layers, rng)


def seq_model(rng):
    t, v, e = rng.choice([6, 9, 16, 30]), rng.choice([50, 300]), rng.choice([3, 8, 16])
    tokens = rng.random() < 0.8
    layers, length = [f"embedding({v}, {e})"] if tokens else [], t
    for _ in range(rng.randint(1, 3)):
        k, s = rng.choice([1, 2, 3, 5]), rng.choice([1, 1, 2])
        pad, f = rng.choice(["same", "valid"]), rng.choice([4, 8, 12])
        act = rng.choice(["relu", "tanh", None])
        if pad == "valid" and length < k:
            continue
        length = (length - k) // s + 1 if pad == "valid" else (length + s - 1) // s
        layers.append(f"conv1d({f}, kernel={k}, stride={s}, padding={pad}"
                      + (f", activation={act})" if act else ")"))
        if rng.random() < 0.2:
            # Not batch normalization: the gradient of a convolution's bias
            # under it is a sum that cancels to a few units in the last
            # place of its terms, whose f32 value PyTorch's own float
            # kernels miss by as much as Lathe's (1e-4 to 1e-3 of its
            # norm). The rnn family draws it over sequences.
            layers.append("layernorm")
        if rng.random() < 0.4 and length >= 2:
            p = rng.choice([2, 3]) if length >= 3 else 2
            stride = rng.choice([p, p, p + 1, p - 1])  # p - 1: windows overlap
            layers.append(f"{rng.choice(['maxpool', 'avgpool'])}({p}"
                          + (f", stride={stride})" if stride != p else ")"))
            length = (length - p) // stride + 1
        if rng.random() < 0.2:
            layers.append(f"dropout({rng.choice([0.1, 0.3])})")
    layers.append(rng.choice(["global_avgpool", "global_maxpool", "flatten"]))
    if rng.random() < 0.5:
        layers.append(f"dense({rng.choice([8, 32])}, "
                      f"activation={rng.choice(['relu', 'tanh'])})")
    layers.append("dense(5, activation=softmax)")
    return classifier(f"i32[{t}]" if tokens else f"f32[{t}, {e}]", layers, rng)


def generator_model(rng):
    n, size, c = rng.choice([10, 32]), rng.choice([3, 4, 7]), rng.choice([4, 8])
    layers = [f"dense({size * size * c}, activation=relu)",
              f"reshape({size}, {size}, {c})"]
    for _ in range(rng.randint(1, 2)):
        layers.append(f"conv2d_transpose({rng.choice([2, 4, 8])}, "
                      f"kernel={rng.choice([3, 4, 5])}, stride=2, padding=same, "
                      f"activation={rng.choice(['relu', 'tanh'])})")
    layers.append(f"conv2d({rng.choice([2, 4])}, kernel=3, stride=2, "
                  f"padding={rng.choice(['same', 'valid'])})")
    layers += ["flatten", "dense(5, activation=softmax)"]
    return classifier(f"f32[{n}]", layers, rng)


def rnn_model(rng):
    t, v, e = rng.choice([3, 7, 20, 40]), rng.choice([50, 300, 1000]), rng.choice([4, 8, 16, 24])
    tokens = rng.random() < 0.8
    # A masked sequence (mask_zero) reaches only the layers that take it:
    # no batch normalization, and a mean over its steps, not flatten.
    masked = tokens and rng.random() < 0.4
    layers = ([f"embedding({v}, {e}" + (", mask_zero=true)" if masked else ")")]
              if tokens else [])
    count, sequences = rng.randint(1, 2), True
    for i in range(count):
        sequences = i < count - 1 or rng.random() < 0.3
        cell = "gru" if rng.random() < 0.4 else "lstm"
        layers.append(f"{cell}({rng.choice([8, 16, 20, 32, 48])}"
                      + (", return_sequences=true" if sequences else "")
                      + (", bidirectional=true" if rng.random() < 0.3 else "")
                      + ")")
        if rng.random() < 0.3:
            layers.append(f"dropout({rng.choice([0.1, 0.2, 0.5])})")
        if rng.random() < 0.25:
            layers.append("layernorm")
        elif rng.random() < 0.2 and not (masked and sequences):
            layers.append(rng.choice(BATCHNORMS))
    if sequences:
        layers.append(rng.choice(["global_avgpool", "global_maxpool"])
                      if masked else "flatten")
    if rng.random() < 0.5:
        layers.append(f"dense({rng.choice([8, 32])}, "
                      f"activation={rng.choice(['relu', 'tanh'])})")
    inp = f"i32[{t}]" if tokens else f"f32[{t}, {e}]"
    if rng.random() < 0.4:
        layers.append("dense(1, activation=sigmoid)")
        return model_text(inp, "binary", layers, "binary_crossentropy", rng)
    layers.append("dense(4, activation=softmax)")
    return classifier(inp, layers, rng, classes=4)


BATCHNORMS = ["batchnorm", "batchnorm(momentum=0.99)", "batchnorm(epsilon=0.01)"]


def dense_model(rng):
    # `shifted`: the last layers end in a trained offset (a bias, a layer
    # normalization's beta) with nothing nonlinear after it.
    layers, narrow, shifted = [], False, False
    for _ in range(rng.randint(1, 3)):
        act = rng.choice(["relu", "tanh", "sigmoid", None])
        width = rng.choice([1, 5, 7, 16, 33, 64, 128, 200])
        if not narrow and not shifted and width >= 16 and rng.random() < 0.2:
            # As batch normalization is used: after a layer without a bias,
            # then the activation. The normalization cancels any offset a
            # linear path adds before it (its gradient is zero in exact
            # arithmetic, noise in f32); and behind a layer of one unit the
            # rows differ too little.
            layers += [f"dense({width}, use_bias=false)", rng.choice(BATCHNORMS),
                       rng.choice(["relu", "tanh", "sigmoid"])]
            continue
        narrow |= width == 1
        shifted = act is None
        layers.append(f"dense({width}"
                      + (f", activation={act})" if act else ")"))
        if rng.random() < 0.2:
            layers.append("leaky_relu(0.2)")
            shifted = False
        if rng.random() < 0.25:
            layers.append(f"dropout({rng.choice([0.1, 0.25, 0.5])})")
        if rng.random() < 0.2 and width > 1:
            layers.append(rng.choice(["layernorm", "layernorm(epsilon=0.01)"]))
            shifted = True
    inp = f"f32[{rng.choice([1, 3, 13, 64, 100, 257, 784])}]"
    kind = rng.choice(["class", "onehot", "binary", "regression"])
    k = rng.choice([2, 3, 10])
    if kind == "class":
        return classifier(inp, layers + [f"dense({k}, activation=softmax)"], rng, k)
    if kind == "onehot":
        return model_text(inp, f"onehot({k})", layers + [f"dense({k}, activation=softmax)"],
                          smoothed("categorical_crossentropy", rng), rng)
    if kind == "binary":
        return model_text(inp, "binary", layers + ["dense(1, activation=sigmoid)"],
                          "binary_crossentropy", rng)
    return model_text(inp, f"f32[{k}]", layers + [f"dense({k})"], "mse", rng)


def gan_model(rng):
    size, c, noise = rng.choice([3, 4, 7]), rng.choice([4, 8, 16]), rng.choice([8, 16, 100])
    channels = rng.choice([1, 3])
    norm = rng.random() < 0.3  # batch normalization, as TensorFlow's DCGAN has it
    if norm:
        g = [f"dense({size * size * c}, use_bias=false)", rng.choice(BATCHNORMS),
             "relu", f"reshape({size}, {size}, {c})"]
    else:
        g = [f"dense({size * size * c}, activation=relu)", f"reshape({size}, {size}, {c})"]
    for _ in range(rng.randint(0, 1)):
        g.append(f"conv2d_transpose({rng.choice([4, 8])}, kernel={rng.choice([3, 4, 5])}, "
                 f"stride=2, padding=same, activation=relu)")
        if norm:
            g += [rng.choice(BATCHNORMS), "leaky_relu(0.1)"]
        size *= 2
    g.append(f"conv2d_transpose({channels}, kernel={rng.choice([3, 5])}, stride=2, "
             f"padding=same, activation=tanh)")
    size *= 2
    d = []
    for i in range(rng.randint(1, 2)):
        d += [f"conv2d({rng.choice([4, 8, 16])}, kernel={rng.choice([3, 4, 5])}, stride=2, "
              f"padding=same)", "leaky_relu(0.01)"]
        if norm and i > 0:
            d += [rng.choice(BATCHNORMS), "leaky_relu(0.1)"]
    d += ["flatten", "dense(1, activation=sigmoid)"]
    nl = "\n  "
    return (f"network generator(z: f32[{noise}]) -> f32[{size}, {size}, {channels}] {{\n"
            f"  {nl.join(g)}\n}}\n\n"
            f"network discriminator(image: f32[{size}, {size}, {channels}]) -> f32[1] {{\n"
            f"  {nl.join(d)}\n}}\n\n"
            f"gan m {{\n  generator generator\n  discriminator discriminator\n"
            f"  noise normal({noise})\n  loss binary_crossentropy\n"
            f"  optimizer sgd(lr=1)\n  train batch={rng.choice([4, 8, 16])}\n}}\n")


def smoothed(loss, rng):
    """A class cross-entropy, with label smoothing one time in four."""
    return loss + ("(label_smoothing=0.1)" if rng.random() < 0.25 else "")


def classifier(inp, layers, rng, classes=5):
    return model_text(inp, f"class({classes})", layers,
                      smoothed("sparse_categorical_crossentropy", rng), rng)


OPTIMIZERS = ["sgd(lr=0.1)", "sgd(lr=0.05, momentum=0.9)", "rmsprop(lr=0.001)",
              "sgd(lr=0.05, momentum=0.9, weight_decay=0.05)",
              "adamw(lr=0.001, weight_decay=0.1)",
              "adam(lr=0.001)"]


def model_text(inp, target, layers, loss, rng):
    body = "\n  ".join(layers)
    return (f"model m {{\n  input x: {inp}\n  target y: {target}\n  {body}\n"
            f"  loss {loss}\n  optimizer {rng.choice(OPTIMIZERS)}\n"
            f"  train batch={rng.choice([4, 8, 16, 32])}\n}}\n")


def optimizer_spec(src):
    """The model file's optimizer as torch_parity.py's spec: sgd:lr=0.1,..."""
    name, args = re.search(r"optimizer (\w+)\((.*)\)", src).groups()
    return name + ":" + ",".join(a.replace(" ", "") for a in args.split(","))


ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
               "softmax": lambda t: torch.softmax(t, 1), None: lambda t: t}


def forward(src, p, x, seed=None, training=False):
    """The model file's layers in PyTorch, activations kept NHWC between
    layers as Lathe keeps them. With `seed` (a training step's), dropout
    drops with Lathe's masks (stream k for the k-th dropout layer).
    `training` normalizes batches with their own statistics and updates the
    running ones in `p`, as Lathe's training step does."""
    h, seen = x, {}
    mask = None  # [B, T], 0 at padding steps, after embedding(mask_zero)

    def param(kind, what):
        return p[f"{kind}_{seen[kind]}.{what}"]

    for line in src.splitlines():
        m = re.match(r"\s*(\w+)(?:\((.*)\))?\s*$", line)
        if not m or m.group(1) in ("model", "input", "target", "loss", "optimizer", "train"):
            continue
        kind, args = m.group(1), m.group(2) or ""
        seen[kind] = seen.get(kind, -1) + 1
        opts = dict(re.findall(r"(\w+)=([\w.]+)", args))
        act = ACTIVATIONS[opts.get("activation")]
        if kind == "conv1d":
            f = param(kind, "filter")  # [k, c, filters]
            k, s = f.shape[0], int(opts.get("stride", 1))
            y = h.permute(0, 2, 1)
            if opts.get("padding") == "same":
                y = F.pad(y, same_pads(y.shape[2], k, s))
            y = F.conv1d(y, f.permute(2, 1, 0), param(kind, "bias"), stride=s)
            h = act(y.permute(0, 2, 1))
        elif kind in ("maxpool", "avgpool") and h.dim() == 3:
            k = int(args.split(",")[0])
            s = int(opts.get("stride", k))
            pool = F.max_pool1d if kind == "maxpool" else F.avg_pool1d
            h = pool(h.permute(0, 2, 1), k, s).permute(0, 2, 1)
        elif kind == "conv2d":
            f = param(kind, "filter")
            k, s = f.shape[0], int(opts.get("stride", 1))
            y = h.permute(0, 3, 1, 2)
            if opts.get("padding") == "same":
                top, bottom = same_pads(y.shape[2], k, s)
                left, right = same_pads(y.shape[3], k, s)
                y = F.pad(y, (left, right, top, bottom))
            y = F.conv2d(y, f.permute(3, 2, 0, 1), param(kind, "bias"), stride=s)
            h = act(y.permute(0, 2, 3, 1))
        elif kind == "conv2d_transpose":
            f = param(kind, "filter")
            k, s = f.shape[0], int(opts.get("stride", 1))
            y = F.conv_transpose2d(h.permute(0, 3, 1, 2), f.permute(3, 2, 0, 1), stride=s)
            oh, ow = h.shape[1] * s, h.shape[2] * s
            top, left = same_pads(oh, k, s)[0], same_pads(ow, k, s)[0]
            y = y[:, :, top:top + oh, left:left + ow]
            h = act(y.permute(0, 2, 3, 1) + param(kind, "bias"))
        elif kind in ("maxpool", "avgpool"):
            k = int(args.split(",")[0])
            s = int(opts.get("stride", k))
            pool = F.max_pool2d if kind == "maxpool" else F.avg_pool2d
            h = pool(h.permute(0, 3, 1, 2), k, s).permute(0, 2, 3, 1)
        elif kind == "global_maxpool" and mask is not None:
            # The maximum over the steps that are not padding (zeros if
            # none); the gradient to the first such maximum, as torch.max's.
            keep = mask[..., None] > 0
            top = h.masked_fill(~keep, float("-inf")).max(dim=1).values
            h = torch.where(keep.any(1), top, torch.zeros_like(top))
            mask = None
        elif kind == "global_maxpool":
            # torch.max's gradient goes to the first maximum, as Lathe's.
            h = h.flatten(1, -2).max(dim=1).values
        elif kind == "global_avgpool" and mask is not None:
            # The mean over the steps that are not padding (zeros if none).
            h = (h * mask[..., None]).sum(1) / mask.sum(1).clamp(min=1)[:, None]
            mask = None
        elif kind == "global_avgpool":
            h = h.mean(dim=tuple(range(1, h.dim() - 1)))
        elif kind == "layernorm":
            eps = float(opts.get("epsilon", 1e-3))
            h = F.layer_norm(h, (h.shape[-1],), param(kind, "gamma"),
                             param(kind, "beta"), eps)
        elif kind == "batchnorm":
            # Over the last dimension (channels, features); Lathe's momentum
            # is the old running value's weight, PyTorch's the new one's.
            h = F.batch_norm(h.movedim(-1, 1), param(kind, "moving_mean"),
                             param(kind, "moving_variance"), param(kind, "gamma"),
                             param(kind, "beta"), training=training,
                             momentum=1 - float(opts.get("momentum", 0.9)),
                             eps=float(opts.get("epsilon", 1e-3))).movedim(1, -1)
        elif kind == "leaky_relu":
            h = F.leaky_relu(h, float(args))
        elif kind in ("relu", "tanh", "sigmoid"):
            h = ACTIVATIONS[kind](h)
        elif kind == "reshape":
            h = h.reshape(h.shape[0], *[int(d) for d in args.split(",")])
        elif kind == "flatten":
            h = h.reshape(h.shape[0], -1)
        elif kind == "embedding":
            t, ids = param(kind, "table"), h.long()
            if "mask_zero" in args:
                mask = (ids != 0).to(t.dtype)
            ids = torch.where((ids >= 0) & (ids < t.shape[0]), ids, torch.zeros_like(ids))
            h = F.embedding(ids, t, padding_idx=0)
        elif kind in ("lstm", "gru"):
            layer = lstm if kind == "lstm" else gru
            h = layer(p, f"{kind}_{seen[kind]}", h, "return_sequences" in args,
                      "bidirectional" in args, mask)
            mask = mask if "return_sequences" in args else None
        elif kind == "dense":
            h = h @ param(kind, "weight")
            h = act(h + param(kind, "bias") if f"{kind}_{seen[kind]}.bias" in p else h)
        elif kind == "dropout":
            if seed is not None:
                h = h * dropout_mask(h.shape, seed, seen[kind] + 1, float(args)).to(h.dtype)
        else:
            raise SystemExit(f"random_models.py: no PyTorch twin for layer '{kind}'")
    return h


def running(name):
    """Whether parameter `name` is a batch normalization's running statistic."""
    return name.endswith((".moving_mean", ".moving_variance"))


def loss_error(traced, value):
    """Relative error of a loss, absolute below 0.01: a fitted model's loss
    near zero is -log of probabilities near 1, which float32 resolves only
    to steps of 6e-8."""
    if not (torch.isfinite(traced) and torch.isfinite(value)):
        return float("inf")
    return abs(traced.item() - value.item()) / max(abs(value.item()), 1e-2)


def check(src, trace):
    """Relative errors of the loss, the gradients and, after the traced
    training steps, the losses and weights (PyTorch in double)."""
    init = read_safetensors(f"{trace}/initial.safetensors")
    batch = read_safetensors(f"{trace}/batch.safetensors")
    grad = read_safetensors(f"{trace}/grad.safetensors")
    after = read_safetensors(f"{trace}/after.safetensors")
    # A batch normalization's running statistics get no gradient.
    p = {k: v.double().requires_grad_(not running(k)) for k, v in init.items()}
    trained = [k for k in init if not running(k)]
    x, y, rows = batch["x"], batch["y"], batch["mask"] > 0
    x = x if x.dtype == torch.int32 else x.double()
    # The padding rows come last; the training steps see the batch without
    # them (batch statistics over the real rows, as Lathe's mask keeps them).
    real = int(rows.sum())
    assert bool(rows[:real].all()), "padding rows must come last"

    loss_name = re.search(r"loss (\w+)", src).group(1)
    smoothing = re.search(r"label_smoothing=([\d.]+)", src)
    smoothing = float(smoothing.group(1)) if smoothing else 0.0

    seeds = [int(v) for v in batch["seeds"]] if "seeds" in batch else None

    def loss_of(step=None):
        """The loss at training step `step` (0: the traced gradient), with
        that step's dropout; without a step, the evaluation's loss."""
        seed = seeds[step] if seeds and step is not None else None
        if step is None:
            pred = forward(src, p, x)[rows]
        else:
            # The gradient (step 0) leaves the running statistics as they are.
            q = {**p, **{k: p[k].clone() for k in p if running(k)}} if step == 0 else p
            pred = forward(src, q, x[:real], seed, training=True)
        if loss_name == "mse":
            return F.mse_loss(pred, y[rows].double())
        # Probabilities clamped to [1e-7, 1 - 1e-7], as Lathe (and Keras)
        # clamp them: large steps drive some far enough for it to matter.
        pred = pred.clamp(EPS, 1 - EPS)
        if loss_name == "binary_crossentropy":
            return F.binary_cross_entropy(pred, y[rows].double())
        if loss_name == "categorical_crossentropy":
            target = y[rows].double()
        elif not smoothing:
            return -torch.log(pred.gather(1, y[rows].long()[:, None])).mean()
        else:
            target = F.one_hot(y[rows].long(), pred.shape[1]).double()
        # Label smoothing: q = (1 - e) t + e / classes.
        target = (1 - smoothing) * target + smoothing / pred.shape[1]
        return -(target * torch.log(pred)).sum(1).mean()

    pred = forward(src, p, x)
    errors = {"predictions": rel(grad["predictions"][rows], pred.detach()[rows])}
    errors["evaluation loss"] = loss_error(grad["eval_loss"][0], loss_of().detach())
    loss = loss_of(0)
    loss.backward()
    errors["loss"] = loss_error(grad["loss"][0], loss.detach())
    errors.update({f"grad {k}": rel(grad[k], p[k].grad) for k in trained})
    opt = optimizer(optimizer_spec(src), [p[k] for k in trained])
    for step, traced in enumerate(after["losses"]):
        opt.zero_grad()
        loss = loss_of(step + 1)
        errors[f"loss at step {step + 1}"] = loss_error(traced, loss.detach())
        loss.backward()
        opt.step()
    errors.update({f"{k} after {len(after['losses'])} steps": rel(after[k], p[k].detach())
                   for k in init})
    return errors


def network(src, name):
    """The layer lines of `network NAME(...) { ... }` in a gan's file."""
    body = re.search(rf"network {name}\(.*?\{{(.*?)\n\}}", src, re.S).group(1)
    return body


def check_gan(src, trace):
    """One discriminator step, then one generator step through the updated
    discriminator, at SGD's lr 1 (an update is minus the gradient), as
    torch_gan_parity.py replays the DCGAN's."""
    init = read_safetensors(f"{trace}/initial.safetensors")
    batch = read_safetensors(f"{trace}/batch.safetensors")
    dstep = read_safetensors(f"{trace}/dstep.safetensors")
    gstep = read_safetensors(f"{trace}/gstep.safetensors")
    p = {k: v.double().requires_grad_(not running(k)) for k, v in init.items()}
    real, rows, z = batch["real"].double(), batch["mask"] > 0, batch["z"].double()
    real = real[:int(rows.sum())]  # the padding rows come last

    def run(name, x):
        """A training pass (batch statistics; the running ones updated in
        `p`), as every pass of both steps is."""
        prefix = name + "."
        return forward(network(src, name),
                       {k[len(prefix):]: v for k, v in p.items() if k.startswith(prefix)}, x,
                       training=True)

    def bce(pred, target):
        pred = pred.clamp(EPS, 1 - EPS)
        return F.binary_cross_entropy(pred, torch.full_like(pred, target))

    errors = {}
    d_real = bce(run("discriminator", real), 1.0)
    d_loss = d_real + bce(run("discriminator", run("generator", z).detach()), 0.0)
    d_loss.backward()
    errors["d_loss"] = loss_error(dstep["d_loss"][0], d_loss.detach())
    with torch.no_grad():
        for k in p:
            if running(k):
                errors[f"{k} after the d_step"] = rel(dstep[k], p[k])
            elif k.startswith("discriminator."):
                errors[f"d_step update of {k}"] = rel(dstep[k] - init[k], -p[k].grad)
                p[k] -= p[k].grad
    for k in p:
        p[k].grad = None
    g_loss = bce(run("discriminator", run("generator", z)), 1.0)
    g_loss.backward()
    errors["g_loss"] = loss_error(gstep["g_loss"][0], g_loss.detach())
    for k in p:
        if running(k):
            errors[f"{k} after the g_step"] = rel(gstep[k], p[k])
        elif k.startswith("generator."):
            errors[f"g_step update of {k}"] = rel(gstep[k] - init[k], -p[k].grad)
    return errors


def assemble(lathe, ptxas, path, args):
    """The model's PTX (--target=nvptx) through ptxas for sm_90: None, or
    what failed."""
    ptx = path[:-len(".lathe")] + ".ptx"
    for cmd in ([lathe, "--target=nvptx", "--emit=ptx", *args, path, "-o", ptx],
                [ptxas, "-arch=sm_90", ptx, "-o", ptx[:-4] + ".cubin"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"{os.path.basename(cmd[0])} exited {r.returncode}\n{r.stderr[-2000:]}"
    return None


def main():
    lathe, out, family, first, count = sys.argv[1:6]
    trace_args = sys.argv[6:]
    # --ptxas PTXAS: the models' PTX assembled instead of traced.
    ptxas = None
    if "--ptxas" in trace_args:
        at = trace_args.index("--ptxas")
        ptxas = trace_args[at + 1]
        del trace_args[at:at + 2]
    make = {"conv": conv_model, "rnn": rnn_model, "dense": dense_model,
            "seq": seq_model, "gan": gan_model}[family]
    os.makedirs(out, exist_ok=True)
    failed = 0
    for seed in range(int(first), int(first) + int(count)):
        src = make(random.Random(seed))
        path, trace = f"{out}/{family}{seed}.lathe", f"{out}/{family}{seed}"
        with open(path, "w") as f:
            f.write(src)
        if ptxas:
            why = assemble(lathe, ptxas, path, trace_args)
            print(f"FAIL: {seed}: {why}\n{src}" if why else f"ok: {seed}: ptxas accepts it")
            failed += why is not None
            continue
        r = subprocess.run([lathe, "trace", *trace_args, path, "-o", trace],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL: {seed}: lathe trace exited {r.returncode}\n{src}{r.stderr}")
            failed += 1
            continue
        errors = (check_gan if family == "gan" else check)(src, trace)
        worst = max(errors.values())
        if worst > TOLERANCE:
            bad = ", ".join(f"{k} {e:.2e}" for k, e in errors.items() if e > TOLERANCE)
            print(f"FAIL: {seed}: {bad}\n{src}")
            failed += 1
        else:
            print(f"ok: {seed}: worst relative error {worst:.2e}")
    print(f"{family}: {int(count) - failed} of {count} models "
          + ("assemble" if ptxas else "match PyTorch"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
