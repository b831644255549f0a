#!/usr/bin/python3
"""Write the MobileSAM parity fixtures from the official MobileSAM code.

Usage: make_mobile_sam_fixtures.py --reference DIR --out DIR [--seed N]

DIR (--reference) is a checkout of github.com/ChaoningZhang/MobileSAM (DEVELOPERS.md says how to
get it). The script exports seeded random weights exactly as the ctest does
(export_sam.py --model-type mobile_sam --random-init --seed N), loads them strictly into the
official model (build_sam_vit_t), and runs the official SamPredictor on generated images of
several sizes and aspect ratios with point and box prompts. It writes, per image: the image, the
official resized image and normalised model input, part of the embedding; per prompt: the four
predicted IoUs, the kept output (highest IoU among the three multimask outputs), its low-res
logits, its full-size binary mask, and where the official full-size logit is clearly decided
(|logit| > 1e-3). Everything goes to DIR (--out) with a manifest.json; nothing is derived here
that the official code does not compute.

Needs Debian's python3-torch, python3-torchvision (the official resize) and python3-numpy. The
official TinyViT imports timm, which Debian lacks; the shim below provides the three helpers it
uses: DropPath (never built: MobileSAM's drop-path rate is 0), to_2tuple and trunc_normal_
(init only; every weight is then replaced by the loaded ones).

Sizes: binaries are raw little-endian float32; to keep the fixtures small the model input is
stored as the resized uint8 image plus the official normalised value of each (channel, value)
pair that occurs (the script checks that this reproduces the official input exactly), and the
embedding as every 16th channel.
"""

import argparse
import collections.abc
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from typing import Dict, List, Optional

import numpy as np
import torch
from PIL import Image

from fixture_inputs import random_box, random_point, smooth_image  # beside this file

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT = os.path.join(HERE, "export_sam.py")
EMBEDDING_CHANNEL_STEP = 16
DECIDED = 1e-3  # the parity bound: no binary flip where the official |logit| exceeds this

# (name, width, height): landscape upscaled, portrait upscaled, wide downscaled.
IMAGES = [("image0", 600, 400), ("image1", 300, 700), ("image2", 1200, 500)]
KINDS = ["point", "point_pos_neg", "box", "box_point"]
PROMPTS_PER_IMAGE = 3


def install_timm_shim() -> None:
    layers = types.ModuleType("timm.models.layers")

    class DropPath(torch.nn.Module):
        def __init__(self, drop_prob: Optional[float] = None) -> None:
            super().__init__()
            if drop_prob:
                raise RuntimeError("the shim's DropPath only stands in for a drop-path rate of 0")

        def forward(self, x):
            return x

    layers.DropPath = DropPath
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, collections.abc.Iterable) else (x, x)
    layers.trunc_normal_ = torch.nn.init.trunc_normal_
    registry = types.ModuleType("timm.models.registry")
    registry.register_model = lambda fn: fn
    sys.modules.update({"timm": types.ModuleType("timm"), "timm.models": types.ModuleType("timm.models"),
                        "timm.models.layers": layers, "timm.models.registry": registry})


def export_weights(seed: int, path: str) -> None:
    r = subprocess.run([sys.executable, EXPORT, "--model-type", "mobile_sam", "--random-init", "--seed", str(seed),
                        "--output", path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: export failed: {r.stderr.strip()[-500:]}")


def official_predictor(reference: str, model_path: str):
    install_timm_shim()
    sys.path.insert(0, os.path.abspath(reference))
    from mobile_sam import SamPredictor, sam_model_registry  # noqa: E402  (the official code)

    sam = sam_model_registry["vit_t"]()
    sam.load_state_dict(torch.jit.load(model_path, map_location="cpu").state_dict(), strict=True)
    # eval() again after loading, as MobileSAM's README does: it caches each attention's biases.
    sam.eval()
    return SamPredictor(sam)


# ---------------------------------------------------------------- inputs


def make_prompt(rng: np.random.RandomState, kind: str, width: int, height: int) -> Dict:
    points, labels, box = [], [], None
    if kind in ("point", "box_point"):
        points, labels = [random_point(rng, width, height)], [1]
    if kind == "point_pos_neg":
        points, labels = [random_point(rng, width, height), random_point(rng, width, height)], [1, 0]
    if kind in ("box", "box_point"):
        box = random_box(rng, width, height, min_size=8)
    return {"kind": kind, "points": points, "labels": labels, "box": box}


# ---------------------------------------------------------------- outputs


def save_f32(out: str, name: str, values) -> str:
    np.ascontiguousarray(values, dtype="<f4").tofile(os.path.join(out, name))
    return name


def save_png(out: str, name: str, array: np.ndarray) -> str:
    Image.fromarray(np.ascontiguousarray(array)).save(os.path.join(out, name), optimize=True)
    return name


def input_table(resized: np.ndarray, model_input: torch.Tensor) -> np.ndarray:
    """[3, 256] official normalised value of each (channel, uint8 value) in the resized image (NaN
    where the value does not occur), after checking that it gives the official input exactly."""
    h, w = resized.shape[:2]
    x = model_input[0].numpy()
    if np.any(x[:, h:, :]) or np.any(x[:, :, w:]):
        sys.exit("error: the official input is not zero outside the resized image")
    table = np.full((3, 256), np.nan, np.float32)
    for c in range(3):
        values, region = resized[..., c], x[c, :h, :w]
        table[c, values.ravel()] = region.ravel()
        if not np.array_equal(table[c][values], region):
            sys.exit("error: the official input is not a function of (channel, value); the table cannot hold it")
    return table


def run_prompt(predictor, prompt: Dict, out: str, stem: str, height: int, width: int) -> Dict:
    args = dict(point_coords=np.array(prompt["points"], np.float64) if prompt["points"] else None,
                point_labels=np.array(prompt["labels"]) if prompt["points"] else None,
                box=np.array(prompt["box"], np.float64) if prompt["box"] is not None else None,
                return_logits=True)
    _, single_iou, _ = predictor.predict(multimask_output=False, **args)
    logits, iou, low_res = predictor.predict(multimask_output=True, **args)
    best = int(np.argmax(iou))  # the multimask output with the highest predicted IoU
    kept = logits[best]
    assert kept.shape == (height, width)
    return {**prompt,
            "iou": [float(v) for v in np.concatenate([single_iou, iou])],
            "kept": 1 + best,  # index among all four outputs (0 = the single-mask output)
            "low_res_logits": save_f32(out, f"{stem}_low_res.f32", low_res[best]),
            "mask": save_png(out, f"{stem}_mask.png", (kept > 0).astype(np.uint8)),
            "decided": save_png(out, f"{stem}_decided.png", (np.abs(kept) > DECIDED).astype(np.uint8))}


def run_image(predictor, rng, out: str, name: str, width: int, height: int, first_kind: int) -> Dict:
    image = smooth_image(rng, width, height, blobs=6, max_sigma=0.3)
    captured: List[torch.Tensor] = []
    hook = predictor.model.image_encoder.register_forward_pre_hook(lambda _m, inputs: captured.append(inputs[0]))
    predictor.set_image(image)
    hook.remove()
    resized = predictor.transform.apply_image(image)
    channels = list(range(0, predictor.features.shape[1], EMBEDDING_CHANNEL_STEP))
    case = {"name": name, "image": save_png(out, f"{name}.png", image), "height": height, "width": width,
            "resized": save_png(out, f"{name}_resized.png", resized),
            "resized_height": resized.shape[0], "resized_width": resized.shape[1],
            "input_table": save_f32(out, f"{name}_input_table.f32", input_table(resized, captured[0])),
            "embedding_channels": channels,
            "embedding": save_f32(out, f"{name}_embedding.f32", predictor.features[0, channels].numpy()),
            "prompts": []}
    for j in range(PROMPTS_PER_IMAGE):
        prompt = make_prompt(rng, KINDS[(first_kind + j) % len(KINDS)], width, height)
        case["prompts"].append(run_prompt(predictor, prompt, out, f"{name}_p{j}", height, width))
    return case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="checkout of ChaoningZhang/MobileSAM")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=0, help="export_sam.py --random-init seed of the weights")
    ap.add_argument("--image-seed", type=int, default=2024, help="seed of the images and prompts")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.reference, "mobile_sam", "modeling", "tiny_vit_sam.py")):
        sys.exit(f"error: {args.reference}: not a MobileSAM checkout (no mobile_sam/modeling/tiny_vit_sam.py)")

    start = time.time()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "mobile_sam.pt")
        export_weights(args.seed, model_path)
        predictor = official_predictor(args.reference, model_path)
        rng = np.random.RandomState(args.image_seed)
        with torch.no_grad():
            cases = [run_image(predictor, rng, args.out, name, w, h, i) for i, (name, w, h) in enumerate(IMAGES)]
    manifest = {"reference": "ChaoningZhang/MobileSAM (mobile_sam.build_sam_vit_t, SamPredictor)",
                "model_type": "mobile_sam", "weights_seed": args.seed,
                "weights": f"export_sam.py --model-type mobile_sam --random-init --seed {args.seed}",
                "torch_version": torch.__version__, "decided_logit": DECIDED, "cases": cases}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(cases)} images, {sum(len(c['prompts']) for c in cases)} prompts to {args.out} "
          f"in {time.time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
