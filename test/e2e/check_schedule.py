"""Checks the learning rates in a `--report` against PyTorch's schedulers:
check_schedule.py REPORT LR STEPS_PER_EPOCH [SCHEDULE [WARMUP]]. Each
epoch's `lr` is the rate its last step used; the PyTorch scheduler, stepped
once per batch over all the run's steps, must have used the same rate at
that step. SCHEDULE is cosine (default; CosineAnnealingLR) or linear
(LinearLR from 1 to 0); with WARMUP steps, LambdaLR with the factors of
Hugging Face's get_cosine_schedule_with_warmup and
get_linear_schedule_with_warmup (step / WARMUP, then the decay over the
steps left)."""
import json
import math
import sys

import torch

report = json.load(open(sys.argv[1]))
lr, per_epoch = float(sys.argv[2]), int(sys.argv[3])
schedule = sys.argv[4] if len(sys.argv) > 4 else "cosine"
warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 0
epochs = len(report["epochs"])
total = epochs * per_epoch
weight = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([weight], lr=lr)
if warmup:
    def factor(step):
        if step < warmup:
            return step / warmup
        p = (step - warmup) / max(1, total - warmup)
        if schedule == "linear":
            return max(0.0, 1 - p)
        return 0.5 * (1 + math.cos(math.pi * p))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
elif schedule == "linear":
    sched = torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.0, total_iters=total)
else:
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
used = []
for _ in range(total):
    used.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
failed = False
for e, row in enumerate(report["epochs"]):
    want = used[(e + 1) * per_epoch - 1]
    ok = abs(row["lr"] - want) <= 1e-6 * lr
    failed |= not ok
    print(f"{'ok' if ok else 'FAIL'}: epoch {e + 1} lr {row['lr']:.6g} "
          f"(PyTorch {want:.6g})")
sys.exit(1 if failed else 0)
