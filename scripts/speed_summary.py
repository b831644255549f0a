#!/usr/bin/python3
"""Gathers what scripts/device_model_speed.sh measured in DIR into DIR/summary.json, and prints it
as Markdown tables: encoder images/s by engine, attention, precision and batch; decoder prompts/s
by batch; peak GPU memory; each step's status.

    python3 scripts/speed_summary.py DIR
"""
import csv
import glob
import json
import os
import sys

GOAL_IMAGES_PER_S = 60  # ViT-H encoder in bf16 (the GPU speed issue's goal)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def steps(folder):
    rows = []
    try:
        with open(os.path.join(folder, "steps.tsv")) as f:
            for name, status, seconds in csv.reader(f, delimiter="\t"):
                rows.append({"step": name, "status": status, "seconds": int(seconds)})
    except OSError:
        pass
    return rows


def from_cpp(report, encoder, decoder, memory):
    key = ("c++", report.get("encoder_attention", "textbook"), report["precision"])
    for e in report["encode"]:
        encoder.append(dict(zip(("engine", "attention", "precision"), key), batch=e["batch"],
                            images_per_s=e["images_per_s"], call_s=e["median_s"]))
    for d in report["decode"]:
        decoder.append({"engine": "c++", "batch": d["batch"], "prompts_per_s": d["prompts_per_s"]})
    memory.append(dict(zip(("engine", "attention", "precision"), key), peak_gpu_mib=report["peak_gpu_mib"]))


def from_python(report, encoder, decoder, memory):
    for run in report["runs"]:
        key = {"engine": run["engine"], "attention": run["encoder_attention"], "precision": run["precision"]}
        for e in run["encode"]:
            encoder.append(dict(key, batch=e["batch"], images_per_s=e["images_per_s"], call_s=e["call_s"],
                                first_call_s=e["first_call_s"]))
        for d in run["decode"]:
            decoder.append({"engine": f"python {run['engine']} ({run['precision']} run)", "batch": d["batch"],
                            "prompts_per_s": d["prompts_per_s"]})
        memory.append(dict(key, peak_gpu_mib=run["peak_gpu_mib"]))


def summarize(folder):
    encoder, decoder, memory = [], [], []
    for path in sorted(glob.glob(os.path.join(folder, "cpp_*.json"))):
        report = read_json(path)
        if report:
            from_cpp(report, encoder, decoder, memory)
    for path in sorted(glob.glob(os.path.join(folder, "py_*.json"))):
        report = read_json(path)
        if report:
            from_python(report, encoder, decoder, memory)
    bf16 = [e["images_per_s"] for e in encoder if e["engine"] == "c++" and e["precision"] == "bf16"]
    try:
        with open(os.path.join(folder, "gpu.csv")) as f:
            gpu = f.read().strip()
    except OSError:
        gpu = None
    return {"gpu": gpu, "torch": read_json(os.path.join(folder, "torch.json")), "steps": steps(folder),
            "encoder": encoder, "decoder": decoder, "peak_gpu_mib": memory,
            "goal": {"cpp_bf16_images_per_s_best": max(bf16) if bf16 else None,
                     "target_images_per_s": GOAL_IMAGES_PER_S}}


def number(value, digits=1):
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(summary):
    lines = [f"GPU: {summary['gpu']}", f"PyTorch: {summary['torch']}", ""]
    batches = sorted({e["batch"] for e in summary["encoder"]})
    rows = {}
    for e in summary["encoder"]:
        rows.setdefault((e["engine"], e["attention"], e["precision"]), {})[e["batch"]] = e["images_per_s"]
    lines.append("| encoder images/s | attention | precision | " + " | ".join(f"batch {b}" for b in batches) + " |")
    lines.append("|---|---|---|" + "---|" * len(batches))
    for (engine, attention, precision), by_batch in rows.items():
        cells = " | ".join(number(by_batch.get(b)) for b in batches)
        lines.append(f"| {engine} | {attention} | {precision} | {cells} |")
    lines += ["", "| decoder | batch | prompts/s |", "|---|---|---|"]
    lines += [f"| {d['engine']} | {d['batch']} | {number(d['prompts_per_s'])} |" for d in summary["decoder"]]
    lines += ["", "| peak GPU MiB | attention | precision | MiB |", "|---|---|---|---|"]
    lines += [f"| {m['engine']} | {m['attention']} | {m['precision']} | {number(m['peak_gpu_mib'], 0)} |"
              for m in summary["peak_gpu_mib"]]
    lines += ["", "| step | status | s |", "|---|---|---|"]
    lines += [f"| {s['step']} | {s['status']} | {s['seconds']} |" for s in summary["steps"]]
    goal = summary["goal"]
    lines += ["", f"best C++ bf16 encoder: {number(goal['cpp_bf16_images_per_s_best'])} images/s "
                  f"(goal {goal['target_images_per_s']})"]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: speed_summary.py DIR")
    folder = sys.argv[1]
    summary = summarize(folder)
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(markdown(summary))


if __name__ == "__main__":
    main()
