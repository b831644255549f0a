#!/usr/bin/env python3
"""The per-prompt Python loop that study code typically runs, on a sambench export: the baseline
that `sambench bench` is compared with.

For each image of a `folder` dataset (images/ and masks/ label maps, as `sambench make-demo`
writes): encode once, then for every object (8-connected component of each class, at least
--min-area pixels) decode its centroid point alone and upscale all three multimask outputs to
full resolution, keep the best-scoring one and score Dice. Prints images/s and prompts/s over the
loop (model loading excluded), the same quantities `sambench bench` reports.

    /usr/bin/python3 scripts/baseline_loop.py --model demo/sam_small.pt --data demo/organs
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif"}


def load_model(path):
    extra = {"sambench.json": ""}
    model = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    model.eval()
    return model, json.loads(extra["sambench.json"])


def samples(root):
    for image in sorted(p for p in (root / "images").iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS):
        masks = list((root / "masks").glob(image.stem + ".*"))
        yield image, masks[0]


def instances(labels, min_area):
    found = []
    for value in np.unique(labels):
        if value == 0:
            continue
        components, count = ndimage.label(labels == value, structure=np.ones((3, 3)))
        for index in range(1, count + 1):
            mask = components == index
            if mask.sum() >= min_area:
                found.append(mask)
    return found


def preprocess(rgb, meta):
    size = meta["image_size"]
    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    new_h, new_w = int(h * scale + 0.5), int(w * scale + 0.5)
    resized = np.asarray(Image.fromarray(rgb).resize((new_w, new_h), Image.BILINEAR), dtype=np.float32)
    x = torch.from_numpy(resized).permute(2, 0, 1)
    mean = torch.tensor(meta["pixel_mean"]).view(3, 1, 1)
    std = torch.tensor(meta["pixel_std"]).view(3, 1, 1)
    x = F.pad((x - mean) / std, (0, size - new_w, 0, size - new_h))
    return x.unsqueeze(0), (new_h, new_w)


def upscale(logits, size, resized, original):
    masks = F.interpolate(logits, (size, size), mode="bilinear", align_corners=False)
    masks = masks[..., : resized[0], : resized[1]]
    return F.interpolate(masks, original, mode="bilinear", align_corners=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--data", required=True, type=Path, help="folder dataset root (images/, masks/)")
    parser.add_argument("--min-area", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    # As sambench's --threads: 0 is one per core (torch itself may start with one).
    torch.set_num_threads(args.threads or os.cpu_count())
    model, meta = load_model(args.model)
    size = meta["image_size"]

    images = prompts = 0
    dice_sum = 0.0
    times = {"read": 0.0, "encode": 0.0, "decode": 0.0, "upscale": 0.0, "other": 0.0}
    start = time.perf_counter()
    with torch.inference_mode():
        for image_file, mask_file in samples(args.data):
            if args.limit and images == args.limit:
                break
            t = time.perf_counter()
            rgb = np.asarray(Image.open(image_file).convert("RGB"))
            labels = np.asarray(Image.open(mask_file))
            objects = instances(labels, args.min_area)
            times["read"] += time.perf_counter() - t
            images += 1
            if not objects:
                continue
            t = time.perf_counter()
            x, resized = preprocess(rgb, meta)
            embedding = model.encode(x)
            times["encode"] += time.perf_counter() - t
            scale = (resized[1] / rgb.shape[1], resized[0] / rgb.shape[0])
            for truth in objects:
                ys, xs = np.nonzero(truth)
                coords = torch.tensor([[[xs.mean() * scale[0], ys.mean() * scale[1]], [0.0, 0.0]]], dtype=torch.float32)
                point_labels = torch.tensor([[1.0, -1.0]])
                t = time.perf_counter()
                logits, iou = model.decode(embedding, coords, point_labels, None)
                t2 = time.perf_counter()
                masks = upscale(logits[:, 1:], size, resized, rgb.shape[:2]) > 0.0
                t3 = time.perf_counter()
                best = int(torch.argmax(iou[0, 1:]))
                pred = masks[0, best].numpy()
                inter = np.logical_and(pred, truth).sum()
                dice_sum += 2.0 * inter / (pred.sum() + truth.sum())
                times["decode"] += t2 - t
                times["upscale"] += t3 - t2
                times["other"] += time.perf_counter() - t3
                prompts += 1
    loop = time.perf_counter() - start
    print(json.dumps({
        "loop_s": loop, "images": images, "prompts": prompts,
        "images_per_s": images / loop, "prompts_per_s": prompts / loop,
        "mean_dice": dice_sum / max(1, prompts), "threads": torch.get_num_threads(),
        "stages_s": times}, indent=2))


if __name__ == "__main__":
    main()
