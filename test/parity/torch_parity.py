"""Replays a `lathe trace` in PyTorch and compares: the loss and every
gradient at the traced initial weights, and the weights after the traced
optimizer steps. Usage: torch_parity.py MODEL OPTIMIZER TRACE_DIR, where
MODEL is one of the dense seed models and OPTIMIZER is the spec given to
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


def forward(model, p, x):
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
    if model == "logistic_regression":
        return torch.nn.functional.binary_cross_entropy(pred, y)
    if y.dtype == torch.int32:  # class labels
        return -torch.log(pred.gather(1, y.long()[:, None])).mean()
    return -(y * torch.log(pred)).sum(dim=1).mean()


def optimizer(spec, params):
    name, _, rest = spec.partition(":")
    kv = dict(item.split("=") for item in rest.split(",") if item)
    kv = {k: float(v) for k, v in kv.items()}
    if name == "sgd":
        return torch.optim.SGD(params, lr=kv.get("lr", 0.01),
                               momentum=kv.get("momentum", 0.0),
                               nesterov=bool(kv.get("nesterov", 0.0)))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=kv.get("lr", 0.001),
                                   alpha=kv.get("rho", 0.9),
                                   eps=kv.get("epsilon", 1e-7),
                                   momentum=kv.get("momentum", 0.0))
    return torch.optim.Adam(params, lr=kv.get("lr", 0.001),
                            betas=(kv.get("beta1", 0.9), kv.get("beta2", 0.999)),
                            eps=kv.get("epsilon", 1e-7))


def main():
    model, spec, trace = sys.argv[1:4]
    init = read_safetensors(f"{trace}/initial.safetensors")
    batch = read_safetensors(f"{trace}/batch.safetensors")
    grad = read_safetensors(f"{trace}/grad.safetensors")
    after = read_safetensors(f"{trace}/after.safetensors")
    x, y, mask = batch["x"], batch["y"], batch["mask"]
    params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    loss = loss_fn(model, forward(model, params, x), y, mask)
    loss.backward()
    worst = 0.0
    checks = [("loss", rel(grad["loss"][0], loss.detach()))]
    for k in init:
        checks.append((f"grad {k}", rel(grad[k], params[k].grad)))
    opt = optimizer(spec, list(params.values()))
    losses = after["losses"]
    for step in range(len(losses)):
        opt.zero_grad()
        l = loss_fn(model, forward(model, params, x), y, mask)
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


main()
