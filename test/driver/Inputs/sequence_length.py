"""Compiles the news model at two sequence lengths and checks that the code
does not grow with the length: the LSTM loops are loops, so the LLVM IR has
the same number of instructions and the object the same size, to 10%: a
weight gradient whose reduction runs over all time steps is cut into
cache-sized blocks once it spans more than 2 MB (one more loop, not one per
step), and where the steps' pieces come out identical at one length they
are merged into one function (duplicate-function-elimination), about 5% of
the code; an unrolled LSTM would be ten times the size.
Also prints each length's compile time, the least of three runs; the times
are for people and bench/, not asserted (this machine is noisy).
Usage: sequence_length.py LATHE MODEL WORKDIR LENGTH LENGTH"""
import re
import subprocess
import sys
import time

lathe, model, work = sys.argv[1:4]
lengths = [int(n) for n in sys.argv[4:6]]
source = open(model).read()
sizes = {}
for n in lengths:
    path = f"{work}/news_{n}.lathe"
    text = re.sub(r"i32\[\d+\]", f"i32[{n}]", source)
    text = re.sub(r"length=\d+", f"length={n}", text)
    open(path, "w").write(text)
    ll = subprocess.run([lathe, path, "--emit=llvm"], check=True,
                        capture_output=True, text=True).stdout
    instructions = sum(1 for line in ll.splitlines()
                       if line.startswith("  ") and not line.startswith("  ;"))
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([lathe, path, "--emit=obj", "-o", f"{work}/news_{n}.o"],
                       check=True)
        best = min(best, time.perf_counter() - start)
    obj = len(open(f"{work}/news_{n}.o", "rb").read())
    sizes[n] = (instructions, obj)
    print(f"length {n}: {instructions} LLVM instructions, object {obj} bytes, "
          f"compile {best:.2f}s")
(i0, o0), (i1, o1) = sizes[lengths[0]], sizes[lengths[1]]
ok = abs(i1 - i0) <= 0.1 * i0 and abs(o1 - o0) <= 0.1 * o0
print("same code size at both lengths" if ok else "FAIL: the code grows with the sequence length")
sys.exit(0 if ok else 1)
