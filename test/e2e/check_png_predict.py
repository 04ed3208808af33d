"""Checks that a built Fashion-MNIST model classifies PNG files as it does
the same pixels given as CSV rows: check_png_predict.py EXE CKPT DIR COUNT

DIR holds what make_pngs.py wrote. For each image, `EXE predict --input
N.csv` gives the probabilities; `EXE predict` of each PNG form of the image
must name the most probable class with its probability, and the 4-bit gray
PNG must agree with its own CSV. Prints one line per image; exits 1 on the
first disagreement.
"""
import subprocess
import sys

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
         "Shirt", "Sneaker", "Bag", "Ankle boot"]
exe, ckpt, d, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def run(*args):
    return subprocess.run([exe, "predict", "--checkpoint", ckpt, *args],
                          check=True, capture_output=True, text=True).stdout


def expected(csv, png):
    probs = [float(v) for v in run("--input", csv).split(",")[1:]]
    best = max(range(len(probs)), key=probs.__getitem__)
    return f"{png}: {NAMES[best]} ({probs[best]:.3f})"


for n in range(count):
    want = expected(f"{d}/{n}.csv", "{}")
    forms = ["gray", "rgb", "rgba", "palette"]
    pngs = [f"{d}/{n}-{f}.png" for f in forms]
    got = run(*pngs).splitlines()
    wanted = [want.format(p) for p in pngs]
    wanted4 = expected(f"{d}/{n}-gray4.csv", f"{d}/{n}-gray4.png")
    got4 = run(f"{d}/{n}-gray4.png").strip()
    ok = got == wanted and got4 == wanted4
    print(f"{'ok' if ok else 'FAIL'}: image {n}: {want.format('png')}")
    if not ok:
        print("\n".join(["want:", *wanted, wanted4, "got:", *got, got4]))
        sys.exit(1)
