# -*- Python -*-
import os
import shutil
import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Lathe"
# The internal shell provides `not` (Debian does not ship the tool).
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".lathe", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lathe_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%models", os.path.join(config.lathe_src_root, "models")))
config.substitutions.append(("%lathe_obj", config.lathe_obj_root))
config.substitutions.append(("%data", os.path.join(config.lathe_src_root, ".data")))

llvm_config.use_default_substitutions()
tools = ["lathe", "lathe-opt", "lathe-unit-text", "lathe-unit-batch-queue", "lathe-unit-parallel", "lathe-unit-float-mode", "lathe-unit-memref-copy", "lathe-unit-step-allocations", "lathe-unit-split", "lathe-unit-jit-init", "lathe-unit-gradcheck", "lathe-gemm-bench", "lathe-conv-bench"]
if config.lathe_fuzzer:
    tools += ["lathe-fuzz", "lathe-fuzz-png"]
    config.available_features.add("fuzzer")
llvm_config.add_tool_substitutions(tools, [config.lathe_tools_dir, config.llvm_tools_dir])
# Upstream tools for tests that run a lowered function (mlir-22-tools).
llvm_config.add_tool_substitutions(["mlir-opt", "mlir-runner", "llvm-readelf", "llvm-objdump"], [config.llvm_tools_dir])
config.substitutions.append(
    ("%mlir_lib_dir", os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")))

# A host CPU with AVX-512: tests of code compiled for this machine's own
# vectors (the others pass --cpu or --mattr, or do not look at them).
try:
    if any(l.startswith("flags") and " avx512f" in l for l in open("/proc/cpuinfo")):
        config.available_features.add("host-avx512")
except OSError:
    pass

# NVIDIA's PTX assembler, where a CUDA toolkit is installed: the NVPTX
# target's kernels must assemble (tests that need it report UNSUPPORTED
# without it).
ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# An NVIDIA driver with a GPU: models compiled with --target=nvptx train
# there (the tests that need one report UNSUPPORTED elsewhere; those that
# check the failure without one are UNSUPPORTED where one is).
def cuda_device():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
if cuda_device():
    config.available_features.add("cuda-device")

# Datasets that scripts/setup.sh fetched into the source tree's .data/.
config.environment["LATHE_DATA_DIR"] = os.path.join(config.lathe_src_root, ".data")

# No object cache: every test compiles what it runs (the cache's own test,
# driver/object-cache.test, names a folder for it).
config.environment["LATHE_CACHE_DIR"] = ""
