#!/usr/bin/env python3
"""Loads a SensorFM dataset folder with safetensors.numpy and checks it against its manifest.json.

Usage: check_dataset.py DATASET_DIR
Checks, per shard: the SHA-256 and byte count, every tensor's dtype and shape
([windows, samples, channels] per modality, [windows] per label, subject and start_seconds),
class labels within their class names (or -1), subject indices within the subject list, optional
present.<modality> flags (bool [windows]; windows flagged absent hold only NaN); and that the shards'
windows and absent windows add up to the manifest's. Prints a one-line summary; exits 1 on any mismatch.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


def check(folder: Path) -> int:
    manifest = json.loads((folder / "manifest.json").read_text())
    problems = []
    if manifest.get("schema_version") != 1 or manifest.get("format") != "sensorfm-windows":
        problems.append("unexpected schema_version or format")
    total = 0
    absent = {m["name"]: 0 for m in manifest["modalities"]}
    for shard in manifest["shards"]:
        path = folder / shard["file"]
        data = path.read_bytes()
        if len(data) != shard["bytes"] or hashlib.sha256(data).hexdigest() != shard["sha256"]:
            problems.append(f"{path}: size or SHA-256 differs from the manifest")
            continue
        tensors = load_file(str(path))
        n = shard["windows"]
        total += n
        expected = {m["name"]: ((n, m["samples_per_window"], len(m["channels"])), np.float32) for m in manifest["modalities"]}
        for label in manifest["labels"]:
            expected["label." + label["name"]] = ((n,), np.int64 if label["kind"] == "class" else np.float32)
        expected["subject"] = ((n,), np.int64)
        expected["start_seconds"] = ((n,), np.float32)
        for name, (shape, dtype) in expected.items():
            tensor = tensors.get(name)
            if tensor is None:
                problems.append(f"{path}: tensor {name} missing")
            elif tensor.shape != shape or tensor.dtype != dtype:
                problems.append(f"{path}: {name} is {tensor.dtype}{list(tensor.shape)}, expected {np.dtype(dtype)}{list(shape)}")
        for label in manifest["labels"]:
            values = tensors.get("label." + label["name"])
            if label["kind"] == "class" and values is not None:
                if values.min(initial=0) < -1 or values.max(initial=-1) >= len(label["class_names"]):
                    problems.append(f"{path}: label.{label['name']} outside its class names")
        for modality in manifest["modalities"]:
            flags = tensors.get("present." + modality["name"])
            if flags is None:
                continue
            if flags.shape != (n,) or flags.dtype != np.bool_:
                problems.append(f"{path}: present.{modality['name']} is {flags.dtype}{list(flags.shape)}, expected bool[{n}]")
                continue
            absent[modality["name"]] += int((~flags).sum())
            values = tensors.get(modality["name"])
            if values is not None and values.shape[0] == n and not np.isnan(values[~flags]).all():
                problems.append(f"{path}: {modality['name']} has values in windows flagged absent")
        subjects = tensors.get("subject")
        if subjects is not None and n > 0 and (subjects.min() < 0 or subjects.max() >= len(manifest["subjects"])):
            problems.append(f"{path}: subject index outside the manifest's subjects")
    if total != manifest["windows"]:
        problems.append(f"shards hold {total} windows, the manifest says {manifest['windows']}")
    for modality in manifest["modalities"]:
        if absent[modality["name"]] != modality.get("absent_windows", 0):
            problems.append(f"{modality['name']}: shards flag {absent[modality['name']]} windows absent, the manifest says {modality.get('absent_windows', 0)}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{folder}: {len(manifest['shards'])} shards, {total} windows, {len(manifest['subjects'])} subjects, "
          f"{'OK' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(check(Path(sys.argv[1])))
