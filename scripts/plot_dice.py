#!/usr/bin/env python3
"""Per-class Dice bar chart with 95% confidence intervals, from a run's per_class.csv.

Called by `sambench report` (and at the end of `sambench eval`):
    plot_dice.py --table RUN/per_class.csv --prompt centroid --output RUN/figures/dice_centroid.png
The figure is 800x450 pixels (8x4.5 inches at 100 dpi).
"""
import argparse
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402


def number(text):
    return math.nan if text in ("", "nan") else float(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="a run's per_class.csv")
    parser.add_argument("--prompt", required=True, help="the result set (prompt column) to draw")
    parser.add_argument("--output", required=True, help="PNG to write")
    args = parser.parse_args()

    names, means, low, high = [], [], [], []
    with open(args.table, newline="") as f:
        for row in csv.DictReader(f):
            # Class rows only: the overall rows have an empty class_label.
            if row["prompt"] != args.prompt or row["class_label"] == "":
                continue
            names.append(row["class"])
            mean = number(row["dice_mean"])
            means.append(0.0 if math.isnan(mean) else mean)
            lo, hi = number(row["dice_ci_low"]), number(row["dice_ci_high"])
            low.append(0.0 if math.isnan(lo) else mean - lo)
            high.append(0.0 if math.isnan(hi) else hi - mean)
    if not names:
        sys.exit(f"plot_dice.py: {args.table}: no class rows for prompt '{args.prompt}'")

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.bar(range(len(names)), means, yerr=[low, high], capsize=4, color="#4c72b0")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center")
    ax.set_ylim(0, 1)
    ax.set_ylabel("Dice (mean, 95% CI)")
    ax.set_title(args.prompt)
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)


if __name__ == "__main__":
    main()
