"""Asserts figures in a `--report` JSON file: check_report.py FILE 'PATH OP VALUE'...

PATH is dotted (test.accuracy, epochs.-1.train.loss); OP is one of
>= <= > <; VALUE is a number or another PATH optionally times a factor
(`least_squares_test_mse*1.01`).
"""
import json
import operator
import sys

OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def lookup(report, path):
    node = report
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def value(report, text):
    factor = 1.0
    if "*" in text:
        text, f = text.split("*")
        factor = float(f)
    try:
        return float(text) * factor
    except ValueError:
        return float(lookup(report, text)) * factor


def main():
    report = json.load(open(sys.argv[1]))
    failed = False
    for cond in sys.argv[2:]:
        path, op, rhs = cond.split()
        left, right = float(lookup(report, path)), value(report, rhs)
        ok = OPS[op](left, right)
        print(f"{'ok' if ok else 'FAIL'}: {path} = {left:.6g} {op} {right:.6g}")
        failed |= not ok
    sys.exit(1 if failed else 0)


main()
