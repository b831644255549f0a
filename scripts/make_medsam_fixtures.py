#!/usr/bin/python3
"""Parity fixtures for MedSAM: its official inference steps on seeded random weights.

Runs the official MedSAM_Inference.py of a MedSAM checkout (--reference DIR, see
DEVELOPERS.md) on synthetic images: its preprocessing (scikit-image resize to 1024 x 1024, order
3 and anti-aliased, cast to uint8, min-max to [0, 1]), its image encoder call and its
medsam_inference (box prompt, single-mask output, sigmoid resized to H x W, > 0.5). Every number
comes from that code; this script only feeds it and records what it computed:

  - the weights are sambench's seeded random ones (export_sam.build_random, the "small" encoder
    that the tests export with the same seed), saved as a state_dict that the official
    _build_sam loads strictly;
  - the official script builds ViT-B from sam_model_registry["vit_b"]; the registry entry is
    pointed at the official _build_sam with the small encoder's sizes (a ViT-B costs minutes
    here and the pipeline around it is the same);
  - the low-res logits and IoU scores are read with a forward hook on the official mask
    decoder; a point prompt (MedSAM's code has none) calls the official prompt encoder and mask
    decoder the way medsam_inference does for a box.

Writes into --out (data only): each input image (PNG), every INPUT_STRIDE-th value of the
official model input and every EMBEDDING_STRIDE-th of its embedding, the
single-mask low-res logits (every 4th row and column) and IoU score of each prompt, the index
the best-scoring multimask output would take, the official kept mask (PNG) and the pixels where
the official probability is within 2.5e-4 of 0.5 (|logit| < 1e-3, where a mask may flip on
rounding), and manifest.json describing them; and skimage_resize.json, scikit-image's resize of a
few small images as MedSAM calls it, for the unit test of sambench's own implementation.

Needs Debian's python3-skimage and python3-matplotlib (the official script imports them).
Usage: /usr/bin/python3 scripts/make_medsam_fixtures.py --reference ../ref/MedSAM --out tests/fixtures/medsam
"""

import argparse
import json
import os
import runpy
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import export_sam  # noqa: E402

SEED = 0  # the seed of the small model the tests export (tests/CMakeLists.txt)
LOGIT_STRIDE = 4
# Model input and embedding values are kept at every INPUT_STRIDE-th and EMBEDDING_STRIDE-th
# position of the flattened tensor (primes, so that the samples sweep rows and channels).
INPUT_STRIDE = 193
EMBEDDING_STRIDE = 257

# (name, height, width, grayscale, boxes [x0, y0, x1, y1], point [x, y]): a shrinking (anti-aliased)
# resize, a growing one of a grayscale image, and one that grows one axis and shrinks the other.
CASES = [
    ("wide_rgb", 700, 1180, False, [[100, 80, 700, 600], [640, 300, 1150, 680], [30, 30, 1150, 670]], [420, 330]),
    ("small_gray", 300, 420, True, [[60, 40, 250, 220], [200, 100, 400, 290], [10, 150, 180, 295]], [150, 130]),
    ("tall_rgb", 1300, 560, False, [[50, 100, 500, 800], [150, 700, 540, 1250], [300, 20, 550, 600]], [350, 1000]),
]


def synthetic_image(h: int, w: int, gray: bool, seed: int) -> np.ndarray:
    """Flat shapes on a smooth gradient: compresses well, and has flat regions, where the resize's
    uint8 truncation is most sensitive to rounding."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        img[:, :, c] = 40 + 60 * x / w + 30 * np.sin(y / (90 + 25 * c))
    for _ in range(5):
        cy, cx = rng.uniform(0.1, 0.9) * h, rng.uniform(0.1, 0.9) * w
        ry, rx = rng.uniform(0.05, 0.25) * h, rng.uniform(0.05, 0.25) * w
        inside = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 < 1
        img[inside] = rng.integers(0, 256, 3)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return img[:, :, 0] if gray else img


def save_small_state_dict(path: str) -> None:
    model = export_sam.build_random("small", SEED)
    torch.save({k: v.contiguous() for k, v in model.state_dict().items()}, path)


class DecoderRecorder:
    """Records what the official mask decoder returns, call by call."""

    def __init__(self, decoder: torch.nn.Module) -> None:
        self.calls = []
        decoder.register_forward_hook(lambda _m, _inputs, output: self.calls.append(
            tuple(t.detach().clone() for t in output)))


def save_mask(path: str, mask: np.ndarray) -> None:
    """A 1-bit PNG (PIL mode "1"): a few kilobytes even for the noisy masks of random weights."""
    from PIL import Image
    Image.fromarray(mask.astype(bool)).save(path, optimize=True)


def write_raw(out_dir: str, name: str, values: np.ndarray, dtype) -> str:
    np.ascontiguousarray(values, dtype=dtype).tofile(os.path.join(out_dir, name))
    return name


def run_case(reference: str, out_dir: str, checkpoint: str, work: str, case) -> dict:
    from skimage import io  # as the official script reads and writes images

    name, h, w, gray, boxes, point = case
    image = synthetic_image(h, w, gray, seed=len(name) * 7919 + h)
    image_file = f"{name}.png"
    io.imsave(os.path.join(out_dir, image_file), image, check_contrast=False)

    # The official script, end to end, on the first box; its globals hold every step's value.
    sys.argv = [os.path.join(reference, "MedSAM_Inference.py"), "-i", os.path.join(out_dir, image_file),
                "-o", work, "--box", json.dumps(boxes[0]), "--device", "cpu", "-chk", checkpoint]
    recorder_box = {}

    def hooked_registry_entry(checkpoint=None):
        model = small_medsam(checkpoint)
        recorder_box["recorder"] = DecoderRecorder(model.mask_decoder)
        return model

    import segment_anything
    segment_anything.sam_model_registry["vit_b"] = hooked_registry_entry
    g = runpy.run_path(sys.argv[0], run_name="__main__")
    recorder = recorder_box["recorder"]
    official_seg = io.imread(os.path.join(work, "seg_" + image_file)).astype(np.uint8)

    official_input = g["img_1024_tensor"][0]
    embedding = g["image_embedding"][0]

    model, H, W = g["medsam_model"], g["H"], g["W"]
    prompts = []
    for i, box in enumerate(boxes):
        box_1024 = np.array([box]) / np.array([W, H, W, H]) * 1024  # the script's own mapping
        seg = official_seg if i == 0 else g["medsam_inference"](model, g["image_embedding"], box_1024, H, W)
        prompts.append({"box": box, "seg": seg, "call": len(recorder.calls) - 1})
    prompts.append(point_prompt(model, g["image_embedding"], point, H, W, recorder))

    entries = []
    for i, p in enumerate(prompts):
        low_res, iou = recorder.calls[p["call"]]
        multimask_iou = p.get("multimask_iou") or multimask_scores(model, g["image_embedding"], p, H, W)
        prob = F.interpolate(torch.sigmoid(low_res), size=(H, W), mode="bilinear", align_corners=False)[0, 0]
        assert np.array_equal((prob.numpy() > 0.5).astype(np.uint8), p["seg"]), "recomputed mask differs"
        ambiguous = (np.abs(prob.numpy() - 0.5) < 2.5e-4).astype(np.uint8)
        stem = f"{name}_p{i}"
        save_mask(os.path.join(out_dir, stem + "_mask.png"), p["seg"])
        save_mask(os.path.join(out_dir, stem + "_ambiguous.png"), ambiguous)
        entry = {
            "logits": write_raw(out_dir, stem + "_logits.f32", low_res[0, 0, ::LOGIT_STRIDE, ::LOGIT_STRIDE].numpy(),
                                np.float32),
            "iou": float(iou[0, 0]),
            "multimask_iou": [float(v) for v in multimask_iou],
            "best_multimask_index": 1 + int(np.argmax(multimask_iou)),
            "mask": stem + "_mask.png",
            "ambiguous": stem + "_ambiguous.png",
            "ambiguous_pixels": int(ambiguous.sum()),
        }
        entry.update({"box": p["box"]} if "box" in p else {"point": p["point"]})
        entries.append(entry)

    return {
        "name": name,
        "image": image_file,
        "height": H,
        "width": W,
        "input_values": write_raw(out_dir, f"{name}_input.f32", official_input.reshape(-1)[::INPUT_STRIDE].numpy(),
                                  np.float32),
        "embedding_values": write_raw(out_dir, f"{name}_embedding.f32",
                                      embedding.reshape(-1)[::EMBEDDING_STRIDE].numpy(), np.float32),
        "prompts": entries,
    }


def write_resize_cases(out_dir: str) -> None:
    """scikit-image's resize as MedSAM_Inference.py calls it, on small images: shrinking (with its
    Gaussian anti-aliasing), growing, mixed, flat regions, one and three channels. For the unit test
    of sambench's implementation (skimage_resize.json)."""
    from skimage import transform
    rng = np.random.default_rng(7)
    flat = np.zeros((40, 64, 3), np.uint8)
    flat[5:30, 10:50] = 255
    flat[12:20, 20:40] = (120, 60, 200)
    images = [
        ("shrink", rng.integers(0, 256, (23, 31, 3), dtype=np.uint8), (10, 12)),
        ("grow", rng.integers(0, 256, (9, 7, 3), dtype=np.uint8), (20, 15)),
        ("flat_shrink", flat, (16, 16)),
        ("flat_grow", flat, (57, 71)),
        ("mixed", rng.integers(0, 256, (30, 8, 3), dtype=np.uint8), (12, 20)),
        ("one_channel", rng.integers(0, 256, (33, 21, 1), dtype=np.uint8), (11, 30)),
    ]
    cases = []
    for name, image, size in images:
        out = transform.resize(image, size, order=3, preserve_range=True, anti_aliasing=True).astype(np.uint8)
        cases.append({"name": name, "shape": list(image.shape), "pixels": image.reshape(-1).tolist(),
                      "out_shape": list(out.shape), "expected": out.reshape(-1).tolist()})
    with open(os.path.join(out_dir, "skimage_resize.json"), "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")


def small_medsam(checkpoint: str):
    """The official builder with the small encoder's sizes; it loads the checkpoint strictly."""
    from segment_anything.build_sam import _build_sam
    cfg = export_sam.MODEL_CONFIGS["small"]
    return _build_sam(encoder_embed_dim=cfg["embed_dim"], encoder_depth=cfg["depth"],
                      encoder_num_heads=cfg["num_heads"], encoder_global_attn_indexes=list(cfg["global_attn_indexes"]),
                      checkpoint=checkpoint)


@torch.no_grad()
def point_prompt(model, embedding, point, H, W, recorder) -> dict:
    """One positive point, mapped and decoded as medsam_inference does a box."""
    coords = torch.as_tensor(np.array([[point]]) / np.array([W, H]) * 1024, dtype=torch.float)
    labels = torch.ones(1, 1, dtype=torch.int)
    sparse, dense = model.prompt_encoder(points=(coords, labels), boxes=None, masks=None)
    low_res, _ = model.mask_decoder(image_embeddings=embedding, image_pe=model.prompt_encoder.get_dense_pe(),
                                    sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                    multimask_output=False)
    call = len(recorder.calls) - 1
    prob = F.interpolate(torch.sigmoid(low_res), size=(H, W), mode="bilinear", align_corners=False)
    seg = (prob.squeeze().numpy() > 0.5).astype(np.uint8)
    return {"point": point, "seg": seg, "call": call, "coords": coords, "labels": labels}


@torch.no_grad()
def multimask_scores(model, embedding, p, H, W):
    """The three multimask outputs' IoU scores for the same prompt (multimask_output=True)."""
    if "box" in p:
        box = torch.as_tensor(np.array([p["box"]]) / np.array([W, H, W, H]) * 1024, dtype=torch.float)[:, None, :]
        sparse, dense = model.prompt_encoder(points=None, boxes=box, masks=None)
    else:
        sparse, dense = model.prompt_encoder(points=(p["coords"], p["labels"]), boxes=None, masks=None)
    _, iou = model.mask_decoder(image_embeddings=embedding, image_pe=model.prompt_encoder.get_dense_pe(),
                                sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                multimask_output=True)
    return iou[0].tolist()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", required=True, help="a checkout of bowang-lab/MedSAM")
    p.add_argument("--out", required=True, help="folder for the fixtures")
    args = p.parse_args()
    reference = os.path.abspath(args.reference)
    if not os.path.isfile(os.path.join(reference, "MedSAM_Inference.py")):
        sys.exit(f"error: {reference} has no MedSAM_Inference.py (see DEVELOPERS.md)")
    os.environ.setdefault("MPLBACKEND", "Agg")  # the official script ends with plt.show()
    sys.path.insert(0, reference)  # its own segment_anything copy
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    write_resize_cases(args.out)
    cases = []
    with tempfile.TemporaryDirectory() as work:
        checkpoint = os.path.join(work, "medsam_small_seed0.pth")
        save_small_state_dict(checkpoint)
        for case in CASES:
            cases.append(run_case(reference, args.out, checkpoint, work, case))
            print(f"{case[0]}: {len(cases[-1]['prompts'])} prompts", flush=True)
    manifest = {"model": {"type": "small", "seed": SEED}, "logit_stride": LOGIT_STRIDE,
                "input_stride": INPUT_STRIDE, "embedding_stride": EMBEDDING_STRIDE, "cases": cases}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
