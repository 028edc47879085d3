#!/usr/bin/env python3
"""Writes the tiny sample recordings shipped in Datasets/samples/ (made-up signals, not real data).

  e4/     an Empatica E4 export of 12 s: ACC, BVP, TEMP, EDA, HR (from +10 s, as the E4 does), IBI, tags
  wesad/  one WESAD-layout subject S2: S2/S2_E4_Data/ (the same kind of export) and S2/S2_quest.csv
          with a compressed protocol (Base 0:01-0:04, TSST 0:05-0:08, Medi 1 0:09-0:11, times written
          as minutes.seconds like WESAD's quest files)

Standard library only; deterministic. Run from anywhere: python3 Datasets/samples/make_samples.py
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SECONDS = 12


def header(start, rate, columns=1):
    return ", ".join([f"{start:.6f}"] * columns) + "\n" + ", ".join([f"{rate:.6f}"] * columns) + "\n"


def write_e4(folder, start, heart_rate, seed):
    """A 12 s export: a pulse wave at `heart_rate` bpm, a wrist at rest with a small sway."""
    rng = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    beat = 60.0 / heart_rate

    acc = header(start, 32, 3)
    for i in range(SECONDS * 32):
        t = i / 32
        x = round(-10 + 3 * math.sin(2 * math.pi * 0.3 * t) + rng.gauss(0, 0.7))
        y = round(20 + 2 * math.cos(2 * math.pi * 0.2 * t) + rng.gauss(0, 0.7))
        z = round(57 + rng.gauss(0, 0.7))
        acc += f"{x},{y},{z}\n"

    bvp = header(start, 64)
    for i in range(SECONDS * 64):
        phase = (i / 64 % beat) / beat
        systolic = math.exp(-((phase - 0.15) / 0.06) ** 2)
        diastolic = 0.4 * math.exp(-((phase - 0.45) / 0.08) ** 2)
        bvp += f"{80 * (systolic + diastolic) - 30 + rng.gauss(0, 1.5):.2f}\n"

    temp = header(start, 4)
    eda = header(start, 4)
    for i in range(SECONDS * 4):
        temp += f"{32.41 + 0.01 * (i // 10):.2f}\n"
        eda += f"{0.412 + 0.002 * math.sin(i / 6) + rng.gauss(0, 0.001):.6f}\n"

    hr = header(start + 10, 1)
    for i in range(SECONDS - 10):
        hr += f"{heart_rate + rng.gauss(0, 0.5):.2f}\n"

    ibi = f"{start:.6f}, IBI\n"
    t = beat
    while t < SECONDS:
        interval = beat + rng.gauss(0, 0.02)
        ibi += f"{t:.6f},{interval:.6f}\n"
        t += interval

    files = {"ACC.csv": acc, "BVP.csv": bvp, "TEMP.csv": temp, "EDA.csv": eda, "HR.csv": hr, "IBI.csv": ibi,
             "tags.csv": f"{start + 3:.2f}\n"}
    for name, text in files.items():
        with open(os.path.join(folder, name), "w", newline="\n") as handle:
            handle.write(text)


def main():
    write_e4(os.path.join(HERE, "e4"), 1700000000.0, 66, seed=1)
    subject = os.path.join(HERE, "wesad", "S2")
    write_e4(os.path.join(subject, "S2_E4_Data"), 1495437325.0, 72, seed=2)
    quest = (
        "# Subj;S2;;;\n"
        "# ORDER;Base;TSST;Medi 1;;\n"
        "# START;0.01;0.05;0.09;;\n"
        "# END;0.04;0.08;0.11;;\n"
        ";;;;\n"
    )
    with open(os.path.join(subject, "S2_quest.csv"), "w", newline="\n") as handle:
        handle.write(quest)


if __name__ == "__main__":
    main()
