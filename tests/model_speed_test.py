#!/usr/bin/python3
"""Tests for scripts/model_speed.py on the small test model (plain Python; exits non-zero on failure).

Run: /usr/bin/python3 tests/model_speed_test.py build/test_assets/sam_small.pt
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "model_speed.py")
FAILURES = []


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'}: {name}" + ("" if ok else f" -- {detail}"), flush=True)
    if not ok:
        FAILURES.append(name)


def run(model, *extra):
    return subprocess.run([sys.executable, SCRIPT, "--model", model, "--device", "cpu", "--images", "1",
                           "--warmup", "0", "--repeat", "1", "--threads", "1", *extra],
                          capture_output=True, text=True)


def main():
    model = sys.argv[1]
    done = run(model, "--decode-batches", "1,3", "--encode-batches", "1,2", "--engine", "torchscript", "eager")
    check("runs on the CPU", done.returncode == 0, done.stderr[-500:])
    if done.returncode != 0:
        return 1
    report = json.loads(done.stdout)
    runs = {(r["engine"], r["precision"]): r for r in report["runs"]}
    check("one run per engine and default precision",
          sorted(runs) == [("eager", "bf16"), ("eager", "fp32"), ("torchscript", "bf16"), ("torchscript", "fp32")],
          str(sorted(runs)))
    for (engine, precision), r in runs.items():
        name = f"{engine} {precision}"
        check(f"{name}: one encode entry per batch size", [e["batch"] for e in r["encode"]] == [1, 2])
        check(f"{name}: images/s is batch over call time",
              all(abs(e["images_per_s"] * e["call_s"] - e["batch"]) < 1e-9 for e in r["encode"]))
        check(f"{name}: one decode entry per batch size", [d["batch"] for d in r["decode"]] == [1, 3])
        check(f"{name}: prompts/s is batch over call time",
              all(abs(d["prompts_per_s"] * d["call_s"] - d["batch"]) < 1e-9 for d in r["decode"]))
        check(f"{name}: no GPU memory on a CPU", r["peak_gpu_mib"] is None)
    runs = {precision: r for (engine, precision), r in runs.items() if engine == "torchscript"}
    # bf16 keeps 8 bits of mantissa: the embedding moves, but little (0.7-0.9% measured here).
    error = runs["bf16"].get("embedding_rel_l2_vs_fp32", -1)
    check("bf16 embedding close to fp32, and not equal", 1e-4 < error < 0.05, str(error))
    refused = run(model, "--precision", "fp16")
    check("fp16 refused on a CPU", refused.returncode != 0 and "fp16 needs CUDA" in refused.stderr,
          refused.stderr[-300:])
    if not hasattr(__import__("torch"), "compile"):
        refused = run(model, "--engine", "compile")
        check("--engine compile refused with one line without torch.compile",
              refused.returncode != 0 and "torch.compile" in refused.stderr, refused.stderr[-300:])
    print("FAILED: " + ", ".join(FAILURES) if FAILURES else "all passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
