#!/usr/bin/env python3
"""Per-class Dice bar chart with 95% confidence intervals, from a run's per_class.csv.

Called by `sambench report` (and at the end of `sambench eval`):
    plot_dice.py --table RUN/per_class.csv --prompt centroid --output RUN/figures/dice_centroid.png
The figure is 800x450 pixels (8x4.5 inches at 100 dpi) for up to 16 classes, and 0.45 inch
wider per class beyond, with the class names turned upright, so that a 117-class CT set stays
readable. Classes without any instance in the run are left out (the title says how many).
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
    empty = 0
    with open(args.table, newline="") as f:
        for row in csv.DictReader(f):
            # Class rows only: the overall rows have an empty class_label.
            if row["prompt"] != args.prompt or row["class_label"] == "":
                continue
            if row.get("instances", "1") in ("0", ""):
                empty += 1  # nothing to draw but a misleading zero bar
                continue
            names.append(row["class"])
            mean = number(row["dice_mean"])
            means.append(0.0 if math.isnan(mean) else mean)
            lo, hi = number(row["dice_ci_low"]), number(row["dice_ci_high"])
            low.append(0.0 if math.isnan(lo) else mean - lo)
            high.append(0.0 if math.isnan(hi) else hi - mean)
    if not names:
        sys.exit(f"plot_dice.py: {args.table}: no class rows for prompt '{args.prompt}'")

    many = len(names) > 16
    width = (800 + (45 * (len(names) - 16) if many else 0)) / 100  # in pixels first: no rounding loss
    fig, ax = plt.subplots(figsize=(width, 5.5 if many else 4.5), dpi=100)
    ax.bar(range(len(names)), means, yerr=[low, high], capsize=2 if many else 4, color="#4c72b0")
    ax.set_xticks(range(len(names)))
    if many:
        ax.set_xticklabels(names, rotation=90, fontsize=8)
    else:
        ax.set_xticklabels(names, rotation=30 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Dice (mean, 95% CI)")
    ax.set_title(args.prompt + (f" ({empty} class(es) without instances left out)" if empty else ""))
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)


if __name__ == "__main__":
    main()
