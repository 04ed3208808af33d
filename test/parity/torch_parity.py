"""Replays a `lathe trace` in PyTorch and compares: the loss and every
gradient at the traced initial weights, and the weights after the traced
optimizer steps. Usage: torch_parity.py MODEL OPTIMIZER TRACE_DIR, where
MODEL is one of the seed models and OPTIMIZER is the spec given to
`lathe trace --optimizer` (e.g. sgd:lr=0.1,momentum=0.9,nesterov=1).
"""
import sys

import torch

from safetensors_io import read_safetensors, rel

# Relative error of a whole tensor: ||lathe - torch|| / ||torch||. A norm,
# not a per-element maximum: with Adam or RMSprop a weight whose gradient is
# near epsilon (1e-7) moves by lr * g / (|g| + eps), so the last-bit
# difference of a float32 sum taken in another order can change that one
# weight's step by a percent; the tensor as a whole still agrees to 1e-6.
TOLERANCE = 1e-4


def directions(p, name, bidirectional):
    """The parameter names' prefixes of a recurrent layer's directions."""
    return [name, f"{name}.reverse"] if bidirectional else [name]


def last_states(h):
    """A recurrent layer's last states [directions, B, U] side by side, as
    Lathe joins a bidirectional layer's (PyTorch's h_n order: forward,
    then the direction that read backwards, whose last step is step 0)."""
    return torch.cat(list(h), -1)


def recurrent(run, x, return_sequences, mask):
    """Runs a recurrent kernel over x [B, T, F]. With a mask [B, T] (0 at
    padding steps), as the layer run on each sequence with its padding
    steps taken out: the steps are moved to the front in their order and
    run as PyTorch's packed sequences of those lengths (each direction reads
    only its sequence's steps), then put back in place, zeros at padding; a
    sequence of padding only keeps the initial zero states.
    `run(data, batch_sizes, rows)` calls the kernel, on x itself where
    batch_sizes is None, and returns its (outputs, last states)."""
    if mask is None:
        out, h = run(x, None, x.shape[0])
        return out if return_sequences else last_states(h)
    keep = mask > 0
    lengths = keep.sum(1)
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
    steps = x.gather(1, order[..., None].expand_as(x))
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        steps, lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
    out, h = run(packed.data, packed.batch_sizes, x.shape[0])
    h = h.index_select(1, packed.unsorted_indices)
    if not return_sequences:
        last = last_states(h)
        return torch.where((lengths > 0)[:, None], last, torch.zeros_like(last))
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(
        torch.nn.utils.rnn.PackedSequence(out, packed.batch_sizes,
                                          packed.sorted_indices,
                                          packed.unsorted_indices),
        batch_first=True, total_length=x.shape[1])
    out = out * keep.sum(1, keepdim=True).gt(
        torch.arange(x.shape[1])[None, :])[..., None]
    index = order[..., None].expand(-1, -1, out.shape[2])
    return torch.zeros_like(out).scatter(1, index, out)


def lstm(p, name, x, return_sequences, bidirectional=False, mask=None):
    """PyTorch's LSTM kernel (the one nn.LSTM runs) on Lathe's weights.
    PyTorch orders the gates i, f, g, o, which is Keras' i, f, c, o, so the
    kernels only need transposing; Keras has one bias where PyTorch has two
    (the second is zero here). It is called through torch._VF, as nn.LSTM
    does, so that gradients reach Lathe's tensors (the module caches its own
    flat weights). Bidirectional, it is PyTorch's own bidirectional LSTM."""
    weights = []
    for d in directions(p, name, bidirectional):
        k, r, b = p[f"{d}.kernel"], p[f"{d}.recurrent"], p[f"{d}.bias"]
        weights += [k.t(), r.t(), b, torch.zeros_like(b)]
    units = p[f"{name}.recurrent"].shape[0]

    def run(data, batch_sizes, rows):
        zero = torch.zeros(2 if bidirectional else 1, rows, units,
                           dtype=x.dtype)
        if batch_sizes is None:
            out, h, _ = torch._VF.lstm(data, (zero, zero), weights,
                                       True, 1, 0.0, False, bidirectional, True)
        else:
            out, h, _ = torch._VF.lstm(data, batch_sizes, (zero, zero), weights,
                                       True, 1, 0.0, False, bidirectional)
        return out, h
    return recurrent(run, x, return_sequences, mask)


def gru(p, name, x, return_sequences, bidirectional=False, mask=None):
    """PyTorch's GRU kernel on Lathe's weights. Lathe orders the gates as
    Keras does (update z, reset r, candidate n), PyTorch as r, z, n; Lathe's
    bias is Keras's [2, 3u] with reset_after, PyTorch's b_ih and b_hh. The
    blocks are reordered with torch.cat, so gradients reach Lathe's
    tensors."""
    units = p[f"{name}.recurrent"].shape[0]

    def torch_order(w):  # columns z, r, n -> r, z, n
        return torch.cat([w[..., units:2 * units], w[..., :units],
                          w[..., 2 * units:]], -1)

    weights = []
    for d in directions(p, name, bidirectional):
        k, r, b = p[f"{d}.kernel"], p[f"{d}.recurrent"], p[f"{d}.bias"]
        weights += [torch_order(k).t(), torch_order(r).t(),
                    torch_order(b[0]), torch_order(b[1])]

    def run(data, batch_sizes, rows):
        zero = torch.zeros(2 if bidirectional else 1, rows, units,
                           dtype=x.dtype)
        if batch_sizes is None:
            return torch._VF.gru(data, zero, weights,
                                 True, 1, 0.0, False, bidirectional, True)
        return torch._VF.gru(data, batch_sizes, zero, weights,
                             True, 1, 0.0, False, bidirectional)
    return recurrent(run, x, return_sequences, mask)


def dropout_mask(shape, seed, stream, rate):
    """Lathe's dropout mask (LatheOps.td): a murmur3-finalized hash of
    (seed, stream, element index), kept where its top 24 bits / 2^24 >= rate,
    scaled by 1 / (1 - rate) in float32."""
    m = 0xFFFFFFFF
    n = 1
    for d in shape:
        n *= d
    key = (seed * 0x9E3779B1 + stream * 0x85EBCA77) & m
    h = (torch.arange(n, dtype=torch.int64) * 0xCC9E2D51 + key) & m
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    h ^= h >> 16
    u = (h >> 8).to(torch.float32) * (2.0 ** -24)
    keep = u >= torch.tensor(rate, dtype=torch.float32)
    scale = torch.tensor(1.0 / (1.0 - rate), dtype=torch.float32)
    return (keep.to(torch.float32) * scale).reshape(shape)


def embed(p, x):
    """Ids outside the table read row 0, which gets no gradient."""
    t = p["embedding_0.table"]
    ids = x.long()
    ids = torch.where((ids >= 0) & (ids < t.shape[0]), ids, torch.zeros_like(ids))
    return torch.nn.functional.embedding(ids, t, padding_idx=0)


def forward(model, p, x, seed=None):
    if model == "spam_lstm":
        h = lstm(p, "lstm_0", embed(p, x), False)
        return torch.sigmoid(h @ p["dense_0.weight"] + p["dense_0.bias"])
    if model == "news_lstm":
        kept = (dropout_mask((64, 200, 32), seed, 1, 0.2) > 0).float().mean()
        assert 0.78 < kept < 0.82, f"dropout keeps {kept:.3f}, not about 0.8"
        h = lstm(p, "lstm_0", embed(p, x), True)
        h = h * dropout_mask(h.shape, seed, 1, 0.2)
        h = lstm(p, "lstm_1", h, False)
        h = h * dropout_mask(h.shape, seed, 2, 0.2)
        return torch.softmax(h @ p["dense_0.weight"] + p["dense_0.bias"], dim=1)
    if model == "linear_regression":
        return x @ p["dense_0.weight"] + p["dense_0.bias"]
    if model == "logistic_regression":
        return torch.sigmoid(x @ p["dense_0.weight"] + p["dense_0.bias"])
    if model == "fashion_mlp":
        h = torch.relu(x @ p["dense_0.weight"] + p["dense_0.bias"])
        return torch.softmax(h @ p["dense_1.weight"] + p["dense_1.bias"], dim=1)
    if model == "fashion_cnn":
        # Lathe is NHWC with HWIO filters; PyTorch is NCHW with OIHW.
        f = p["conv2d_0.filter"].permute(3, 2, 0, 1)
        h = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), f,
                                       p["conv2d_0.bias"])
        h = torch.nn.functional.max_pool2d(torch.relu(h), 2)
        h = h.permute(0, 2, 3, 1).flatten(1)  # flatten in NHWC order
        h = torch.relu(h @ p["dense_0.weight"] + p["dense_0.bias"])
        return torch.softmax(h @ p["dense_1.weight"] + p["dense_1.bias"], dim=1)
    raise SystemExit(f"no PyTorch reference for {model}")


def loss_fn(model, pred, y, mask):
    rows = mask > 0
    pred, y = pred[rows], y[rows]
    if model == "linear_regression":
        return torch.nn.functional.mse_loss(pred, y)
    if model in ("logistic_regression", "spam_lstm"):
        return torch.nn.functional.binary_cross_entropy(pred, y)
    if y.dtype == torch.int32:  # class labels
        return -torch.log(pred.gather(1, y.long()[:, None])).mean()
    return -(y * torch.log(pred)).sum(dim=1).mean()


class Clipped:
    """An optimizer whose step first clips the gradients as Lathe's
    clip_norm and clip_value do: clip_grad_norm_ over all the parameters
    together, then clip_grad_value_."""

    def __init__(self, opt, params, norm, value):
        self.opt, self.params, self.norm, self.value = opt, params, norm, value

    def zero_grad(self):
        self.opt.zero_grad()

    def step(self):
        if self.norm:
            torch.nn.utils.clip_grad_norm_(self.params, self.norm)
        if self.value:
            torch.nn.utils.clip_grad_value_(self.params, self.value)
        self.opt.step()


def optimizer(spec, params):
    name, _, rest = spec.partition(":")
    kv = dict(item.split("=") for item in rest.split(",") if item)
    kv = {k: float(v) for k, v in kv.items()}
    opt = torch_optimizer(name, kv, params)
    if kv.get("clip_norm", 0) or kv.get("clip_value", 0):
        return Clipped(opt, params, kv.get("clip_norm", 0),
                       kv.get("clip_value", 0))
    return opt


def torch_optimizer(name, kv, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=kv.get("lr", 0.01),
                               momentum=kv.get("momentum", 0.0),
                               nesterov=bool(kv.get("nesterov", 0.0)),
                               weight_decay=kv.get("weight_decay", 0.0))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=kv.get("lr", 0.001),
                                   alpha=kv.get("rho", 0.9),
                                   eps=kv.get("epsilon", 1e-7),
                                   momentum=kv.get("momentum", 0.0),
                                   weight_decay=kv.get("weight_decay", 0.0))
    adam = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return adam(params, lr=kv.get("lr", 0.001),
                betas=(kv.get("beta1", 0.9), kv.get("beta2", 0.999)),
                eps=kv.get("epsilon", 1e-7),
                weight_decay=kv.get("weight_decay",
                                    0.01 if name == "adamw" else 0.0))


def main():
    model, spec, trace = sys.argv[1:4]
    init = read_safetensors(f"{trace}/initial.safetensors")
    batch = read_safetensors(f"{trace}/batch.safetensors")
    grad = read_safetensors(f"{trace}/grad.safetensors")
    after = read_safetensors(f"{trace}/after.safetensors")
    x, y, mask = batch["x"], batch["y"], batch["mask"]
    params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    seeds = [int(s) for s in batch["seeds"]] if "seeds" in batch else None
    seed = lambda step: seeds[step] if seeds else None
    loss = loss_fn(model, forward(model, params, x, seed(0)), y, mask)
    loss.backward()
    worst = 0.0
    checks = [("loss", rel(grad["loss"][0], loss.detach()))]
    for k in init:
        checks.append((f"grad {k}", rel(grad[k], params[k].grad)))
    opt = optimizer(spec, list(params.values()))
    losses = after["losses"]
    for step in range(len(losses)):
        opt.zero_grad()
        l = loss_fn(model, forward(model, params, x, seed(step + 1)), y, mask)
        checks.append((f"loss at step {step + 1}", rel(losses[step], l.detach())))
        l.backward()
        opt.step()
    for k in init:
        checks.append((f"{k} after {len(losses)} steps",
                       rel(after[k], params[k].detach())))
    failed = False
    for what, err in checks:
        worst = max(worst, err)
        bad = err > TOLERANCE
        failed |= bad
        print(f"{'FAIL' if bad else 'ok'}: {model} {spec}: {what}: relative error {err:.2e}")
    print(f"{model} {spec}: worst relative error {worst:.2e} "
          f"({'FAILED' if failed else 'within'} {TOLERANCE:g})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
