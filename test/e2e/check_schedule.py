"""Checks the learning rates in a `--report` against PyTorch's scheduler:
check_schedule.py REPORT LR STEPS_PER_EPOCH. Each epoch's `lr` is the rate
its last step used; PyTorch's CosineAnnealingLR(T_max = all steps), stepped
once per batch, must have used the same rate at that step."""
import json
import sys

import torch

report = json.load(open(sys.argv[1]))
lr, per_epoch = float(sys.argv[2]), int(sys.argv[3])
epochs = len(report["epochs"])
weight = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([weight], lr=lr)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * per_epoch)
used = []
for _ in range(epochs * per_epoch):
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
