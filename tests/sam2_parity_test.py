#!/usr/bin/python3
"""SAM 2.1 parity: sambench's export against the official image predictor's fixtures.

Run: /usr/bin/python3 tests/sam2_parity_test.py [FIXTURE_DIR]
(default tests/fixtures/sam2_parity, written by scripts/make_sam2_fixtures.py).

Exports sam2.1_hiera_tiny with the fixtures' seed through scripts/export_sam.py, prepares each
image as the SAM 2.1 profile says (pixels / 255, bilinear antialiased resize to 1024x1024,
ImageNet mean/std), and checks against what the official code computed: the model input
within 1e-6, the encoder features and the decoder's logits and IoU within 1e-4, the same kept
mask (single-mask token or fallback, best multimask slot), and no binary flip of the masks at
the image size where the official logit is farther than 1e-3 from 0.
"""

import json
import os
import sys
import tempfile
from typing import Dict

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import export_checks  # beside this file
from export_checks import ROOT, run_export

INPUT_TOL, FEATURE_TOL, LOGIT_TOL = 1e-6, 1e-4, 1e-4
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)

REPORT = export_checks.Report()
check = REPORT.check


def load(fixtures: str, entry: Dict) -> np.ndarray:
    path = os.path.join(fixtures, entry["file"])
    shape = entry["shape"]
    if entry["dtype"] == "bits":
        per_mask = shape[-2] * shape[-1]
        bits = np.fromfile(path, np.uint8).reshape(-1, (per_mask + 7) // 8)
        return np.unpackbits(bits, axis=1)[:, :per_mask].reshape(shape).astype(bool)
    return np.fromfile(path, {"f32": "<f4", "u8": "u1"}[entry["dtype"]]).reshape(shape)


def model_input(png: str) -> torch.Tensor:
    """The SAM 2.1 profile's preprocessing: [1,3,1024,1024]."""
    image = np.asarray(Image.open(png).convert("RGB"))
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float().div(255)[None]
    x = F.interpolate(x, size=(1024, 1024), mode="bilinear", align_corners=False, antialias=True)
    return (x - MEAN) / STD


def max_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def kept_single(logits: torch.Tensor) -> int:
    """Which token slot 0 holds: a fallback copies a multimask slot bit for bit."""
    for k in range(1, 4):
        if torch.equal(logits[0], logits[k]):
            return k
    return 0


def check_case(module, fixtures: str, case: Dict, manifest: Dict) -> None:
    name = case["name"]
    x = model_input(os.path.join(fixtures, case["image"]))
    stride, phase = manifest["input_stride"], manifest["input_phase"]
    r0, r1 = manifest["input_crop"]
    d_in = max(max_diff(x[0, :, phase::stride, phase::stride], load(fixtures, case["input_strided"])),
               max_diff(x[0, :, r0:r1, r0:r1], load(fixtures, case["input_crop"])))
    check(f"{name}: model input within {INPUT_TOL:g} (max diff {d_in:.2g})", d_in <= INPUT_TOL)

    with torch.no_grad():
        embed, s0, s1 = module.encode(x)
    ours = {"image_embed": embed, "feat_s0": s0, "feat_s1": s1}
    for key, entry in case["features"].items():
        t = ours[key]
        c, s = entry["channel_step"], entry["spatial_step"]
        d = max_diff(t[0, ::c, ::s, ::s], load(fixtures, entry))
        stats = entry["stats"]
        # The full tensor too, through its sum and abs sum (float64 over up to 2M values).
        d_sum = abs(float(t.double().sum()) - stats["sum"]) / max(1.0, stats["abs_sum"])
        check(f"{name}: {key} {list(t.shape)} within {FEATURE_TOL:g} (max diff {d:.2g}, "
              f"relative sum diff {d_sum:.2g})",
              list(t.shape) == entry["full_shape"] and d <= FEATURE_TOL and d_sum <= 1e-6)

    for g, group in enumerate(case["groups"]):
        label = f"{name} group {g} ({group['kind']})"
        coords = torch.from_numpy(load(fixtures, group["coords"]).copy())
        labels = torch.from_numpy(load(fixtures, group["labels"]).copy())
        mask_input = None
        if group["mask_input"] is not None:
            mask_input = torch.from_numpy(load(fixtures, group["mask_input"]).copy())
        with torch.no_grad():
            logits, iou = module.decode(embed, s0, s1, coords, labels, mask_input)
        ls = manifest["logit_stride"]
        d_logit = max_diff(logits[..., ::ls, ::ls], load(fixtures, group["low_res_logits"]))
        d_iou = max_diff(iou, load(fixtures, group["iou"]))
        check(f"{label}: logits within {LOGIT_TOL:g} (max diff {d_logit:.2g}), iou (max diff {d_iou:.2g})",
              d_logit <= LOGIT_TOL and d_iou <= LOGIT_TOL)
        kept = [kept_single(logits[i]) for i in range(logits.shape[0])]
        best = [1 + int(torch.argmax(iou[i, 1:])) for i in range(logits.shape[0])]
        check(f"{label}: same kept masks (single {kept}, multimask best {best})",
              kept == group["single_kept"] and best == group["multi_best"],
              f"official single {group['single_kept']} multimask {group['multi_best']}")
        upscaled = F.interpolate(logits, size=(case["height"], case["width"]), mode="bilinear",
                                 align_corners=False)
        masks = (upscaled > 0).numpy()
        want, sure = load(fixtures, group["masks"]), load(fixtures, group["sure"])
        flips = int(((masks != want) & sure).sum())
        check(f"{label}: no mask flip where |official logit| > {manifest['sure_logit']:g} "
              f"({int((masks != want).sum())} flips in {want.size} pixels, all near 0)", flips == 0,
              f"{flips} sure pixels differ")


def main() -> int:
    torch.set_num_threads(2)
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "sam2_parity")
    with open(os.path.join(fixtures, "manifest.json")) as f:
        manifest = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sam2_tiny.pt")
        r = run_export("--model-type", manifest["model_type"], "--random-init", "--seed", str(manifest["seed"]),
                       "--output", path)
        check("export the fixtures' seeded weights", r.returncode == 0, r.stderr[-500:])
        if r.returncode != 0:
            return 1
        module = torch.jit.load(path, map_location="cpu").eval()
    for case in manifest["cases"]:
        check_case(module, fixtures, case, manifest)
    return REPORT.finish()


if __name__ == "__main__":
    sys.exit(main())
