#!/usr/bin/env python3
"""Summarises interleaved bench-small runs (see compare-pytorch.sh).

Usage: compare_bench.py DIR, where DIR holds sensorfm.jsonl, reference.jsonl and optionally shared.jsonl,
one JSON line per round in run order. Prints, per objective, the median over rounds of the per-round ratio
windows_per_s(sensorfm) / windows_per_s(pytorch), MFU, losses, and peak memory; exits 1 if a side does not learn.
"""
import json
import statistics
import sys
from pathlib import Path


def load(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def main():
    folder = Path(sys.argv[1])
    ours = load(folder / "sensorfm.jsonl")
    references = {"reference": load(folder / "reference.jsonl"), "shared": load(folder / "shared.jsonl")}
    healthy = True
    for objective in ("A", "B"):
        for name, theirs in references.items():
            if not theirs:
                continue
            ratios = [o[objective]["windows_per_s"] / t[objective]["windows_per_s"] for o, t in zip(ours, theirs)]
            print(f"{objective} vs {name:9s}: median ratio {statistics.median(ratios):.3f} "
                  f"(rounds {', '.join(f'{r:.3f}' for r in ratios)}); "
                  f"windows/s sensorfm {statistics.median(o[objective]['windows_per_s'] for o in ours):.1f}, "
                  f"pytorch {statistics.median(t[objective]['windows_per_s'] for t in theirs):.1f}")
        mfu = statistics.median(o[objective].get("mfu", 0) for o in ours)
        print(f"{objective} sensorfm MFU {mfu:.3f} (sgemm peak {statistics.median(o['sgemm_peak_gflops'] for o in ours):.1f} GFLOP/s)")
        for name, runs in [("sensorfm", ours), *references.items()]:
            for run in runs:
                if not run[objective]["loss_last"] < run[objective]["loss_first"]:
                    print(f"{objective} {name}: does not learn ({run[objective]['loss_first']} -> {run[objective]['loss_last']})")
                    healthy = False
        losses = {name: runs[0][objective]["loss_first"] for name, runs in [("sensorfm", ours), *references.items()] if runs}
        print(f"{objective} first losses: {losses}")
    memory = {name: max(r["peak_rss_mib"] for r in runs) for name, runs in [("sensorfm", ours), *references.items()] if runs}
    print(f"peak RSS MiB: {memory}")
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
