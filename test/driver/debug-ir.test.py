"""Every line a !DILocation names in the LLVM IR exists in the IR file and
most of them lie inside linalg ops (an op's line or its body)."""
import re
import sys

ll, mlir = open(sys.argv[1]).read(), open(sys.argv[2]).read().split("\n")
lines = [int(n) for n in re.findall(r"!DILocation\(line: (\d+)", ll)]
assert lines, "no line table"
assert max(lines) <= len(mlir), f"line {max(lines)} past the end ({len(mlir)})"
inside, depth = set(), 0
for i, text in enumerate(mlir, 1):
    if "linalg." in text or depth:
        inside.add(i)
    depth += text.count("{") - text.count("}") if (depth or "linalg.generic" in text) else 0
share = sum(n in inside for n in lines) / len(lines)
print(f"{len(lines)} locations, {share:.0%} in linalg ops")
assert share > 0.5, share
