"""Checks an early-stopped run:
check_early_stopping.py REPORT PATIENCE [--same-as REPORT2] EXE train ARGS...

REPORT is the run's `--report`; REPORT2, where given, another run's that
must have stopped at the same epoch with the same figures. Its validation losses must have their first
minimum at the reported best epoch, and the run must have ended `PATIENCE`
epochs after it, or at its last epoch. `EXE train ARGS` (the run's
command line with its data, seed and constant learning rate, without
--epochs) then trains anew, without early stopping:
  - for the best epoch's number of epochs: the test loss must equal the
    early-stopped run's (its best weights were restored);
  - resumed from the run's checkpoint (its `--save` path given as CKPT= in
    the environment) for one more epoch, and unbroken for that many epochs:
    the same test loss (the checkpoint holds the best epoch's optimizer
    state and step count too).
`EXE eval` of the checkpoint must name the best epoch and print the run's
test loss.
Prints one line per check; exits 1 on the first failure.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

report_path, patience, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
other = None
if cmd[0] == "--same-as":
    other, cmd = json.load(open(cmd[1])), cmd[2:]
report = json.load(open(report_path))
early = report["early_stopping"]
losses = [e["validation"]["loss"] for e in report["epochs"]]
best = early["best_epoch"]


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        sys.exit(1)


check(losses.index(min(losses)) + 1 == best,
      f"best epoch {best} has the lowest validation loss {min(losses):.6f}")
check(early["best_val_loss"] == losses[best - 1], "best_val_loss is epoch's")
stopped = early["stopped_after_epoch"]
check(stopped == best + patience == len(losses),
      f"stopped after epoch {stopped}, {patience} epochs after the best")


if other is not None:
    check(other["early_stopping"] == early and other["test"] == report["test"],
          "the other run stopped alike, with the same test figures")


def test_loss(*extra):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.json")
        subprocess.run(cmd + ["--early-stopping", "0", "--report", path] +
                       list(extra), check=True, stdout=subprocess.DEVNULL)
        return json.load(open(path))["test"]["loss"]


check(test_loss("--epochs", str(best)) == report["test"]["loss"],
      f"test loss {report['test']['loss']:.6f} is that of {best} epochs")
ckpt = os.environ["CKPT"]
more = str(best + 1)
check(test_loss("--epochs", more, "--resume", ckpt) ==
      test_loss("--epochs", more),
      f"resumed from the checkpoint: {more} epochs as if unbroken")
out = subprocess.run([cmd[0], "eval", "--checkpoint", ckpt], check=True,
                     capture_output=True, text=True).stdout
m = re.search(r"after epoch (\d+)\ntest \(\d+ samples\): loss ([0-9.]+)", out)
check(m and int(m.group(1)) == best and
      m.group(2) == f"{report['test']['loss']:.4f}",
      f"the checkpoint holds epoch {best} and evaluates to the run's loss")
