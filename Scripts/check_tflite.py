#!/usr/bin/env python3
"""Checks a SensorFM verification bundle with the real TFLite Micro interpreter.

Usage: check_tflite.py BUNDLE_DIR [--swift-golden PATH --golden-name NAME] [--samples N] [--arena [--max-arena BYTES]]
                       [--litert [--swift-us MICROSECONDS]]

BUNDLE_DIR holds model.tflite, inputs.bin, expected.bin and manifest.json as written by
`EdgeExport.writeVerificationBundle` (Swift); values are int8, or little-endian int16 for 16x8 models
(manifest "dtype"). Every sample's inputs run through
`tflite_micro.python.tflite_micro.runtime.Interpreter`; outputs must equal the Swift integer
reference bit for bit, except softmax outputs, which may differ by 1 LSB but must keep the
top class. Exits 1 on any mismatch.

--arena also prints the smallest tensor arena (bytes, 16-byte steps) TFLite Micro accepts for the model,
found by bisection; with --max-arena the check fails when it exceeds BYTES (the device profile's arena_bytes).

--litert also runs LiteRT (PyPI ai-edge-litert): outputs before softmax within 1 LSB of the Swift reference with
its reference kernels and within 2 LSB with its default ones, and prints its median single-window time (with
--swift-us, the Swift integer runtime's time from `sensorfm bench student` and their ratio).

--swift-golden PATH writes the TFLite Micro outputs of the first N samples (default 8) as a Swift
source file of array literals (enum NAME), the goldens the Swift tests compare against without Python;
Scripts/edge_goldens.sh regenerates them.
"""
import argparse
import json
import os
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime


def load_bundle(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(directory, "model.tflite"), "rb") as f:
        model = f.read()
    samples = manifest["samples"]
    dtype = np.dtype(manifest.get("dtype", "int8")).newbyteorder("<")
    inputs = np.fromfile(os.path.join(directory, "inputs.bin"), dtype=dtype).reshape(samples, -1).astype(dtype.newbyteorder("="))
    expected = np.fromfile(os.path.join(directory, "expected.bin"), dtype=dtype).reshape(samples, -1).astype(dtype.newbyteorder("="))
    return manifest, model, inputs, expected


def split(row, specs):
    parts, start = [], 0
    for spec in specs:
        count = int(np.prod(spec["shape"]))
        parts.append(row[start:start + count].reshape(spec["shape"]))
        start += count
    return parts


def run_tflm(model, manifest, inputs):
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=512 * 1024)
    outputs = []
    for row in inputs:
        for index, values in enumerate(split(row, manifest["inputs"])):
            interpreter.set_input(values, index)
        interpreter.invoke()
        outputs.append([np.array(interpreter.get_output(i)).astype(inputs.dtype).reshape(spec["shape"])
                        for i, spec in enumerate(manifest["outputs"])])
    return outputs


def run_litert(model, manifest, inputs, resolver):
    """LiteRT (PyPI ai-edge-litert) outputs for every sample with the given op resolver."""
    from ai_edge_litert import interpreter as litert
    interpreter = litert.Interpreter(model_content=model, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    input_details, output_details = interpreter.get_input_details(), interpreter.get_output_details()
    outputs = []
    for row in inputs:
        for detail, values in zip(input_details, split(row, manifest["inputs"])):
            interpreter.set_tensor(detail["index"], values.reshape(detail["shape"]))
        interpreter.invoke()
        outputs.append([interpreter.get_tensor(detail["index"]).astype(inputs.dtype).reshape(spec["shape"])
                        for detail, spec in zip(output_details, manifest["outputs"])])
    return outputs


def litert_single_window_microseconds(model, manifest, row, repeats=200):
    """Median single-window invoke time of LiteRT's default kernels."""
    import time
    from ai_edge_litert import interpreter as litert
    interpreter = litert.Interpreter(model_content=model)
    interpreter.allocate_tensors()
    for detail, values in zip(interpreter.get_input_details(), split(row, manifest["inputs"])):
        interpreter.set_tensor(detail["index"], values.reshape(detail["shape"]))
    for _ in range(10):
        interpreter.invoke()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        interpreter.invoke()
        times.append((time.perf_counter() - start) * 1e6)
    return sorted(times)[len(times) // 2]


def compare_within(name, manifest, got_outputs, expected, tolerance):
    """Outputs other than softmax within `tolerance` LSB of the Swift reference."""
    ok = True
    for index, spec in enumerate(manifest["outputs"]):
        if spec.get("softmax"):
            continue
        got = np.stack([sample[index].reshape(-1) for sample in got_outputs]).astype(np.int64)
        want = np.stack([split(row, manifest["outputs"])[index].reshape(-1) for row in expected]).astype(np.int64)
        difference = np.abs(got - want)
        identical = np.mean(np.all(difference == 0, axis=1)) * 100
        passed = difference.max() <= tolerance
        print(("ok     " if passed else "FAILED ") + f"{name} {spec['name']}: {identical:.1f}% identical, "
              f"max |diff| {difference.max()} LSB (allowed {tolerance})")
        ok = ok and passed
    return ok


def smallest_arena(model):
    def fits(size):
        try:
            runtime.Interpreter.from_bytes(model, arena_size=size)
            return True
        except RuntimeError:
            return False
    low, high = 0, 1 << 16
    while not fits(high):
        low, high = high, high * 2
    while high - low > 16:
        middle = (low + high) // 2 // 16 * 16
        if fits(middle):
            high = middle
        else:
            low = middle
    return high


def compare(manifest, tflm_outputs, expected):
    ok = True
    for index, spec in enumerate(manifest["outputs"]):
        got = np.stack([sample[index].reshape(-1) for sample in tflm_outputs]).astype(np.int32)
        want = np.stack([split(row, manifest["outputs"])[index].reshape(-1) for row in expected]).astype(np.int32)
        difference = np.abs(got - want)
        identical = np.mean(np.all(difference == 0, axis=1)) * 100
        same_top = np.mean(np.argmax(got, axis=1) == np.argmax(want, axis=1)) * 100
        line = (f"{spec['name']}: {len(got)} samples, {identical:.1f}% identical, max |diff| {difference.max()} LSB, "
                f"same top class {same_top:.1f}%")
        if spec.get("softmax"):
            passed = difference.max() <= 1 and same_top == 100
        else:
            passed = difference.max() == 0
        print(("ok     " if passed else "FAILED ") + line)
        ok = ok and passed
    return ok


def write_swift_golden(path, name, manifest, tflm_outputs, count):
    swift_type = "Int16" if manifest.get("dtype", "int8") == "int16" else "Int8"
    lines = [
        "// Generated by Scripts/edge_goldens.sh (check_tflite.py --swift-golden) from TFLite Micro (PyPI tflite-micro).",
        "// The outputs TFLite Micro computed for the first samples of a `sensorfm edge selfcheck` bundle; do not edit.",
        "",
        f"enum {name} {{",
        f"    static let sampleCount = {count}",
        "    /// Per sample, per output (manifest order: " + ", ".join(s["name"] for s in manifest["outputs"]) + f"), {swift_type.lower()} values.",
        f"    static let outputs: [[[{swift_type}]]] = [",
    ]
    for sample in tflm_outputs[:count]:
        rendered = ", ".join("[" + ", ".join(str(int(v)) for v in out.reshape(-1)) + "]" for out in sample)
        lines.append(f"        [{rendered}],")
    lines += ["    ]", "}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--swift-golden")
    parser.add_argument("--arena", action="store_true")
    parser.add_argument("--max-arena", type=int)
    parser.add_argument("--litert", action="store_true")
    parser.add_argument("--swift-us", type=float)
    parser.add_argument("--golden-name", default="TFLiteMicroGoldens")
    parser.add_argument("--samples", type=int, default=8)
    arguments = parser.parse_args()
    manifest, model, inputs, expected = load_bundle(arguments.bundle)
    tflm_outputs = run_tflm(model, manifest, inputs)
    ok = compare(manifest, tflm_outputs, expected)
    if arguments.arena or arguments.max_arena is not None:
        arena = smallest_arena(model)
        print(f"smallest TFLite Micro arena: {arena} bytes")
        if arguments.max_arena is not None and arena > arguments.max_arena:
            print(f"FAILED arena {arena} bytes exceeds the limit of {arguments.max_arena} bytes")
            ok = False
    if arguments.litert:
        from ai_edge_litert import interpreter as litert
        ok = compare_within("LiteRT reference kernels", manifest,
                            run_litert(model, manifest, inputs, litert.OpResolverType.BUILTIN_REF), expected, 1) and ok
        ok = compare_within("LiteRT default kernels", manifest,
                            run_litert(model, manifest, inputs, litert.OpResolverType.AUTO), expected, 2) and ok
        litert_us = litert_single_window_microseconds(model, manifest, inputs[0])
        line = f"LiteRT default kernels: {litert_us:.1f} us per window"
        if arguments.swift_us:
            line += f"; Swift integer runtime {arguments.swift_us:.1f} us, ratio Swift/LiteRT {arguments.swift_us / litert_us:.2f}"
        print(line)
    if arguments.swift_golden:
        write_swift_golden(arguments.swift_golden, arguments.golden_name, manifest, tflm_outputs, arguments.samples)
    print("check_tflite: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
