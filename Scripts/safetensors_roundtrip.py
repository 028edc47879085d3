#!/usr/bin/env python3
"""Cross-check SensorFM's safetensors reader/writer against Python's reference `safetensors` package.

Exact invocation (DIR is any scratch folder; nothing else is needed from the Swift side):

    swift build -c release --product sensorfm-fuzz
    .build/release/sensorfm-fuzz roundtrip DIR            # writes DIR/from-swift/ (checks DIR/from-python/ if present)
    /work/main/.venv/bin/python Scripts/safetensors_roundtrip.py DIR
                                                          # writes DIR/from-python/, checks every DIR/from-swift/ file
    .build/release/sensorfm-fuzz roundtrip DIR            # now also checks DIR/from-python/

The venv comes from Scripts/setup.sh (numpy + safetensors). Each NAME.safetensors has a NAME.json sidecar:
{"metadata": {k: v}, "tensors": {name: {"dtype": "F32", "shape": [2, 3], "values": ["0.1", ...]}}}
with values as decimal strings in row-major order ("nan", "inf", "-inf" for specials, "true"/"false" for BOOL),
so 64-bit integers and float bit patterns survive JSON exactly. BF16 is not covered: numpy has no bfloat16.
Exits 0 when every from-swift file matches its sidecar, 1 on any mismatch or missing folder.
"""
import json
import math
import pathlib
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

DTYPE_NAMES = {
    np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
    np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16", np.dtype(np.int8): "I8",
    np.dtype(np.uint64): "U64", np.dtype(np.uint32): "U32", np.dtype(np.uint16): "U16", np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}
NUMPY_DTYPES = {name: dtype for dtype, name in DTYPE_NAMES.items()}


def value_string(value):
    """One element as the sidecar string: repr of the exact float, decimal int, or true/false."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(int(value))


def parse_value(text, dtype):
    if dtype == np.bool_:
        if text not in ("true", "false"):
            raise ValueError(f"bad BOOL value {text!r}")
        return text == "true"
    if np.issubdtype(dtype, np.floating):
        return float(text)
    return int(text)


def python_fixtures():
    """Files Python writes for Swift to read: every numpy-representable dtype, edge values, odd shapes."""
    return {
        "numpy_dtypes": ({"framework": "numpy", "note": "ünïcode ✓ \"q\""}, {
            "f64": np.array([1.5, -0.0, 1e-300, math.inf, 0.1], dtype=np.float64),
            "f32": np.array([[0.1, -2.5, 3.4028235e38], [1e-45, math.nan, -math.inf]], dtype=np.float32),
            "f16": np.array([1.0, -2.0, 65504.0, 2.0 ** -24, 1 / 3], dtype=np.float16),
            "i64": np.array([-(2 ** 63), 2 ** 63 - 1, -1], dtype=np.int64),
            "i32": np.array([-(2 ** 31), 2 ** 31 - 1], dtype=np.int32),
            "i16": np.array([-(2 ** 15), 2 ** 15 - 1], dtype=np.int16),
            "i8": np.array([-128, 127, 0], dtype=np.int8),
            "u64": np.array([2 ** 64 - 1, 0], dtype=np.uint64),
            "u32": np.array([2 ** 32 - 1, 1], dtype=np.uint32),
            "u16": np.array([2 ** 16 - 1, 2], dtype=np.uint16),
            "u8": np.array([255, 3], dtype=np.uint8),
            "bool": np.array([[True, False], [False, True]]),
        }),
        "numpy_shapes": (None, {
            "scalar": np.array(42.0, dtype=np.float32),
            "empty": np.zeros((0, 3), dtype=np.float32),
            "four_d": np.arange(6, dtype=np.uint8).reshape(2, 1, 3, 1),
            "weights.layer.0": np.linspace(-1, 1, 257, dtype=np.float32).reshape(257, 1),
        }),
    }


def write_python_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (metadata, tensors) in python_fixtures().items():
        save_file(tensors, str(folder / f"{name}.safetensors"), metadata=metadata)
        sidecar = {
            "metadata": metadata or {},
            "tensors": {
                key: {
                    "dtype": DTYPE_NAMES[array.dtype],
                    "shape": list(array.shape),
                    "values": [value_string(v) for v in array.reshape(-1).tolist()],
                }
                for key, array in tensors.items()
            },
        }
        (folder / f"{name}.json").write_text(json.dumps(sidecar, indent=2, sort_keys=True, ensure_ascii=False))
    return len(python_fixtures())


def same_values(actual, expected):
    """Bit-level equality for floats (NaN equals NaN, -0.0 differs from 0.0), plain equality otherwise."""
    if actual.shape != expected.shape:
        return False
    if np.issubdtype(actual.dtype, np.floating):
        return bool(np.array_equal(actual, expected, equal_nan=True)
                    and np.array_equal(np.signbit(actual), np.signbit(expected)))
    return bool(np.array_equal(actual, expected))


def check_swift_file(path):
    """Mismatches between one Swift-written file and its sidecar."""
    sidecar = json.loads(path.with_suffix(".json").read_text())
    problems = []
    tensors = load_file(str(path))
    with safe_open(str(path), framework="numpy") as handle:
        metadata = handle.metadata() or {}
    if metadata != sidecar["metadata"]:
        problems.append(f"{path.name}: metadata {metadata} != expected {sidecar['metadata']}")
    if set(tensors) != set(sidecar["tensors"]):
        problems.append(f"{path.name}: tensors {sorted(tensors)} != expected {sorted(sidecar['tensors'])}")
    for name, spec in sorted(sidecar["tensors"].items()):
        if name not in tensors:
            continue
        actual = tensors[name]
        dtype = NUMPY_DTYPES[spec["dtype"]]
        expected = np.array([parse_value(v, dtype) for v in spec["values"]], dtype=dtype).reshape(spec["shape"])
        if actual.dtype != dtype or list(actual.shape) != spec["shape"]:
            problems.append(f"{path.name} '{name}': {actual.dtype} {list(actual.shape)} != expected {dtype} {spec['shape']}")
        elif not same_values(actual, expected):
            problems.append(f"{path.name} '{name}': values {actual.reshape(-1).tolist()} != expected {expected.reshape(-1).tolist()}")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(argv[1])
    written = write_python_files(root / "from-python")
    print(f"safetensors_roundtrip: wrote {written} files to {root / 'from-python'}")

    swift_folder = root / "from-swift"
    files = sorted(swift_folder.glob("*.safetensors")) if swift_folder.is_dir() else []
    if not files:
        print(f"safetensors_roundtrip: FAILED: no .safetensors files in {swift_folder} "
              f"(run `sensorfm-fuzz roundtrip {root}` first)")
        return 1
    problems = []
    for path in files:
        try:
            problems += check_swift_file(path)
        except Exception as error:  # a reader exception is a finding to report, not a crash of the checker
            problems.append(f"{path.name}: {type(error).__name__}: {error}")
    for problem in problems:
        print(f"safetensors_roundtrip: MISMATCH {problem}")
    print(f"safetensors_roundtrip: checked {len(files)} files from Swift, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
