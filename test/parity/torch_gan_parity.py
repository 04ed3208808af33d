"""Replays a `lathe trace` of models/fashion_dcgan.lathe (run with an SGD
optimizer) in PyTorch: the discriminator step's loss and update, then the
generator step's loss and update through the updated discriminator. With
SGD an update is -lr times the gradient, so comparing updates compares
gradients. Usage: torch_gan_parity.py LR TRACE_DIR [CLIP_NORM]
"""
import sys

import torch
import torch.nn.functional as F

from safetensors_io import read_safetensors as read, rel

TOLERANCE = 1e-4  # relative error in norm, as torch_parity.py


def same_pad(x, k, s):
    """TensorFlow's 'same' padding of an NCHW tensor (extra on bottom/right)."""
    h = x.shape[2]
    total = max((-(-h // s) - 1) * s + k - h, 0)
    lo = total // 2
    return F.pad(x, (lo, total - lo, lo, total - lo))


def conv_t_same(x, w, b, s):
    """Keras Conv2DTranspose, 'same': the full transposed output cropped to
    in * s, starting at (k - s) // 2. w is Lathe's [k, k, out, in]."""
    k = w.shape[0]
    full = F.conv_transpose2d(x, w.permute(3, 2, 0, 1), b, stride=s)
    lo = max(k - s, 0) // 2
    n = x.shape[2] * s
    return full[:, :, lo:lo + n, lo:lo + n]


def generator(p, z):
    h = torch.relu(z @ p["generator.dense_0.weight"] + p["generator.dense_0.bias"])
    h = h.reshape(-1, 7, 7, 128).permute(0, 3, 1, 2)
    h = torch.relu(conv_t_same(h, p["generator.conv2d_transpose_0.filter"],
                               p["generator.conv2d_transpose_0.bias"], 2))
    h = torch.tanh(conv_t_same(h, p["generator.conv2d_transpose_1.filter"],
                               p["generator.conv2d_transpose_1.bias"], 2))
    return h.permute(0, 2, 3, 1)  # NHWC


def discriminator(p, x):
    h = x.permute(0, 3, 1, 2)
    for i in range(2):
        w = p[f"discriminator.conv2d_{i}.filter"].permute(3, 2, 0, 1)
        h = F.conv2d(same_pad(h, 5, 2), w, p[f"discriminator.conv2d_{i}.bias"], stride=2)
        h = F.leaky_relu(h, 0.01)
    h = h.permute(0, 2, 3, 1).flatten(1)
    return torch.sigmoid(h @ p["discriminator.dense_0.weight"] + p["discriminator.dense_0.bias"])


def main():
    lr, trace = float(sys.argv[1]), sys.argv[2]
    # clip_norm, where the trace was made with one: each step clips the
    # gradients of the network it updates, together.
    clip = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    init, batch = read(f"{trace}/initial.safetensors"), read(f"{trace}/batch.safetensors")
    dstep, gstep = read(f"{trace}/dstep.safetensors"), read(f"{trace}/gstep.safetensors")
    real, mask, z = batch["real"], batch["mask"] > 0, batch["z"]
    p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    dnames = [k for k in p if k.startswith("discriminator.")]
    gnames = [k for k in p if k.startswith("generator.")]
    checks = []
    # Discriminator step: the generator is frozen.
    fake = generator(p, z).detach()
    d_real = discriminator(p, real)[mask]
    d_loss = F.binary_cross_entropy(d_real, torch.ones_like(d_real)) + \
        F.binary_cross_entropy(discriminator(p, fake), torch.zeros(z.shape[0], 1))
    d_loss.backward()
    if clip:
        torch.nn.utils.clip_grad_norm_([p[k] for k in dnames], clip)
    checks.append(("d_loss", rel(dstep["d_loss"][0], d_loss.detach())))
    with torch.no_grad():
        for k in dnames:
            step = -lr * p[k].grad
            checks.append((f"d_step update of {k}", rel(dstep[k] - init[k], step)))
            p[k] -= lr * p[k].grad
    for k in p:
        p[k].grad = None
    # Generator step through the updated, frozen discriminator.
    out = discriminator(p, generator(p, z))
    g_loss = F.binary_cross_entropy(out, torch.ones_like(out))
    g_loss.backward()
    if clip:
        torch.nn.utils.clip_grad_norm_([p[k] for k in gnames], clip)
    checks.append(("g_loss", rel(gstep["g_loss"][0], g_loss.detach())))
    for k in gnames:
        checks.append((f"g_step update of {k}", rel(gstep[k] - init[k], -lr * p[k].grad)))
    failed = False
    for what, err in checks:
        bad = err > TOLERANCE
        failed |= bad
        print(f"{'FAIL' if bad else 'ok'}: fashion_dcgan: {what}: relative error {err:.2e}")
    worst = max(e for _, e in checks)
    print(f"fashion_dcgan: worst relative error {worst:.2e} "
          f"({'FAILED' if failed else 'within'} {TOLERANCE:g})")
    sys.exit(1 if failed else 0)


main()
