#!/usr/bin/python3
"""Write SAM 2.1 parity fixtures from the official image predictor (facebookresearch/sam2).

Usage: make_sam2_fixtures.py --reference DIR --out DIR [--seed 0]

DIR is a checkout of the official sam2 repository, kept outside this repository. The script
builds the official modules directly with the values of configs/sam2.1/sam2.1_hiera_t.yaml
(SAM2Base, Hiera, FpnNeck, memory modules, and the dynamic single-mask settings that
build_sam2 adds), loads into them the seeded random weights of sambench's export for
(sam2.1_hiera_tiny, --seed), runs SAM2ImagePredictor.set_image and .predict on generated
images with points, boxes and a mask input, single- and multi-mask, and writes what the
official code computed as raw little-endian binaries plus DIR/manifest.json (its "format"
entry describes every file). Only numbers are written.

Runs on Debian's /usr/bin/python3 (PyTorch 1.13) with python3-torchvision (the official
transforms). Shims, none of which computes anything on the image path:
  - hydra, iopath and tqdm: stub modules, for imports the image path does not use;
  - torch.nn.functional.scaled_dot_product_attention (PyTorch >= 2): the textbook formula;
  - the resize: the official Resize((1024, 1024)) on a tensor antialiases by default from
    torchvision 0.17 on (sam2 requires 0.20); Debian's 0.14 does not, so it is asked for
    explicitly.
"""

import argparse
import json
import math
import os
import sys
import time
import types
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sam2_image  # noqa: E402  (the weights only)
from fixture_inputs import random_box, random_point, smooth_image  # noqa: E402

MODEL_TYPE = "sam2.1_hiera_tiny"
# Sub-sampling of the large tensors, so that the fixtures stay small (see manifest "format").
INPUT_STRIDE, INPUT_PHASE = 8, 3
INPUT_CROP = (480, 544)  # a full-resolution window, rows and columns
FEATURE_SLICES = {  # name -> (channel step, spatial step)
    "image_embed": (16, 2), "feat_s1": (8, 4), "feat_s0": (4, 8)}
LOGIT_STRIDE = 4
SURE_LOGIT = 1e-3  # pixels whose upscaled logit is farther than this from 0 are "sure"

# name, width, height, prompt groups. Sizes: wider than the input (downscale in x, upscale in
# y), smaller landscape, portrait.
CASES = [
    ("wide", 1080, 200, ["point", "box"]),
    ("small", 300, 200, ["pos_neg", "box_point"]),
    ("tall", 180, 260, ["point", "mask_input"]),
]
GROUP_SIZE = {"point": 2, "box": 1, "pos_neg": 1, "box_point": 2}


# ---------------------------------------------------------------- the official modules


def install_shims() -> None:
    """Stub modules for imports the image path never calls, and SDPA for PyTorch 1.13."""
    hydra = types.ModuleType("hydra")
    hydra.initialize_config_module = lambda *a, **k: None
    core = types.ModuleType("hydra.core")
    global_hydra = types.ModuleType("hydra.core.global_hydra")

    class GlobalHydra:
        @staticmethod
        def instance():
            return types.SimpleNamespace(is_initialized=lambda: True)

    global_hydra.GlobalHydra = GlobalHydra
    iopath = types.ModuleType("iopath")
    common = types.ModuleType("iopath.common")
    file_io = types.ModuleType("iopath.common.file_io")
    file_io.g_pathmgr = None
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda it=None, *a, **k: it
    for name, module in [("hydra", hydra), ("hydra.core", core), ("hydra.core.global_hydra", global_hydra),
                         ("iopath", iopath), ("iopath.common", common),
                         ("iopath.common.file_io", file_io), ("tqdm", tqdm)]:
        sys.modules.setdefault(name, module)

    def textbook_sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
        assert attn_mask is None and dropout_p == 0.0 and not is_causal
        s = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
        return torch.softmax((q @ k.transpose(-2, -1)) * s, dim=-1) @ v

    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = textbook_sdpa


def build_official_tiny():
    """SAM2Base as configs/sam2.1/sam2.1_hiera_t.yaml and build_sam2 (image mode) make it."""
    from sam2.modeling.backbones.hieradet import Hiera
    from sam2.modeling.backbones.image_encoder import FpnNeck, ImageEncoder
    from sam2.modeling.memory_attention import MemoryAttention, MemoryAttentionLayer
    from sam2.modeling.memory_encoder import CXBlock, Fuser, MaskDownSampler, MemoryEncoder
    from sam2.modeling.position_encoding import PositionEmbeddingSine
    from sam2.modeling.sam2_base import SAM2Base
    from sam2.modeling.sam.transformer import RoPEAttention

    trunk = Hiera(embed_dim=96, num_heads=1, stages=[1, 2, 7, 2], global_att_blocks=[5, 7, 9],
                  window_pos_embed_bkg_spatial_size=[7, 7])
    neck = FpnNeck(position_encoding=PositionEmbeddingSine(num_pos_feats=256, normalize=True,
                                                           scale=None, temperature=10000),
                   d_model=256, backbone_channel_list=[768, 384, 192, 96],
                   fpn_top_down_levels=[2, 3], fpn_interp_model="nearest")
    image_encoder = ImageEncoder(trunk=trunk, neck=neck, scalp=1)

    def rope(**extra):
        return RoPEAttention(rope_theta=10000.0, feat_sizes=[64, 64], embedding_dim=256,
                             num_heads=1, downsample_rate=1, dropout=0.1, **extra)

    layer = MemoryAttentionLayer(activation="relu", dim_feedforward=2048, dropout=0.1,
                                 pos_enc_at_attn=False, self_attention=rope(), d_model=256,
                                 pos_enc_at_cross_attn_keys=True, pos_enc_at_cross_attn_queries=False,
                                 cross_attention=rope(rope_k_repeat=True, kv_in_dim=64))
    memory_attention = MemoryAttention(d_model=256, pos_enc_at_input=True, layer=layer, num_layers=4)
    memory_encoder = MemoryEncoder(
        out_dim=64,
        position_encoding=PositionEmbeddingSine(num_pos_feats=64, normalize=True, scale=None,
                                                temperature=10000),
        mask_downsampler=MaskDownSampler(kernel_size=3, stride=2, padding=1),
        fuser=Fuser(layer=CXBlock(dim=256, kernel_size=7, padding=3, layer_scale_init_value=1e-6,
                                  use_dwconv=True), num_layers=2))
    model = SAM2Base(
        image_encoder=image_encoder, memory_attention=memory_attention,
        memory_encoder=memory_encoder, num_maskmem=7, image_size=1024,
        sigmoid_scale_for_mem_enc=20.0, sigmoid_bias_for_mem_enc=-10.0,
        use_mask_input_as_output_without_sam=True, directly_add_no_mem_embed=True,
        no_obj_embed_spatial=True, use_high_res_features_in_sam=True,
        multimask_output_in_sam=True, iou_prediction_use_sigmoid=True,
        use_obj_ptrs_in_encoder=True, add_tpos_enc_to_obj_ptrs=True,
        proj_tpos_enc_in_obj_ptrs=True, use_signed_tpos_enc_to_obj_ptrs=True,
        only_obj_ptrs_in_the_past_for_eval=True, pred_obj_scores=True,
        pred_obj_scores_mlp=True, fixed_no_obj_ptr=True, multimask_output_for_tracking=True,
        use_multimask_token_for_obj_ptr=True, multimask_min_pt_num=0, multimask_max_pt_num=1,
        use_mlp_for_obj_ptr_proj=True, compile_image_encoder=False,
        sam_mask_decoder_extra_args=dict(dynamic_multimask_via_stability=True,
                                         dynamic_multimask_stability_delta=0.05,
                                         dynamic_multimask_stability_thresh=0.98))
    return model.eval()


def load_sambench_weights(official, seed: int) -> Dict[str, List[int]]:
    """The export's seeded weights, loaded by name: every one must land, and the official
    entries left without one must all be on the exporter's video-only skip list (they keep the
    official init; image mode never reads them). Returns those entries' names and shapes."""
    state = sam2_image.build_random(MODEL_TYPE, seed).state_dict()
    result = official.load_state_dict(state, strict=False)
    if result.unexpected_keys:
        sys.exit(f"FAIL: sambench weights unknown to the official model: {result.unexpected_keys[:5]}")
    not_skipped = [k for k in result.missing_keys if not k.startswith(sam2_image.VIDEO_ONLY_PREFIXES)]
    if not_skipped:
        sys.exit(f"FAIL: official weights neither in sambench's model nor on its skip list: {not_skipped[:5]}")
    official_state = official.state_dict()
    return {k: list(official_state[k].shape) for k in sorted(result.missing_keys)}


def make_predictor(official):
    from torchvision.transforms import Normalize, Resize
    from sam2.sam2_image_predictor import SAM2ImagePredictor

    predictor = SAM2ImagePredictor(official)
    t = predictor._transforms
    t.transforms = torch.jit.script(torch.nn.Sequential(
        Resize((t.resolution, t.resolution), antialias=True), Normalize(t.mean, t.std)))
    return predictor


class Recorder:
    """Keeps what the official modules received and returned during one predictor call."""

    def __init__(self, official) -> None:
        self.calls: List[Dict] = []
        official.image_encoder.register_forward_pre_hook(self.on_image)
        official.sam_mask_decoder.register_forward_hook(self.on_decoder)
        encoder = official.sam_prompt_encoder
        embed_points = encoder._embed_points

        def recording_embed_points(points, labels, pad):
            self.calls.append({"points": points.clone(), "labels": labels.clone(), "pad": pad})
            return embed_points(points, labels, pad)

        encoder._embed_points = recording_embed_points
        self.model_input: Optional[torch.Tensor] = None

    def on_image(self, _module, inputs) -> None:
        self.model_input = inputs[0].detach().clone()

    def on_decoder(self, _module, _inputs, outputs) -> None:
        self.calls[-1]["logits"] = outputs[0].detach().clone()
        self.calls[-1]["iou"] = outputs[1].detach().clone()


# ---------------------------------------------------------------- images and prompts


def make_group(rng, kind: str, height: int, width: int) -> Dict:
    """Prompts in image pixels, as SAM2ImagePredictor.predict takes them (B prompts)."""
    n = GROUP_SIZE.get(kind, 1)
    points, labels, boxes = [], [], []
    for _ in range(n):
        if kind in ("point", "mask_input"):
            points.append([random_point(rng, width, height)])
            labels.append([1])
        elif kind == "pos_neg":
            points.append([random_point(rng, width, height), random_point(rng, width, height)])
            labels.append([1, 0])
        elif kind == "box":
            boxes.append(random_box(rng, width, height, min_size=4))
        elif kind == "box_point":
            boxes.append(random_box(rng, width, height, min_size=4))
            points.append([random_point(rng, width, height)])
            labels.append([1])
    return {"kind": kind, "points": points or None, "labels": labels or None, "boxes": boxes or None}


# ---------------------------------------------------------------- writing


def save(out_dir: str, name: str, array: np.ndarray, dtype: str) -> Dict:
    arr = np.ascontiguousarray(array, dtype=dtype)
    arr.tofile(os.path.join(out_dir, name))
    return {"file": name, "shape": list(arr.shape), "dtype": {"<f4": "f32", "|u1": "u8"}[np.dtype(dtype).str]}


def save_bits(out_dir: str, name: str, masks: np.ndarray) -> Dict:
    """Boolean [..., H, W] -> each mask's row-major pixels as bits, most significant first."""
    shape = list(masks.shape)
    flat = masks.reshape(-1, shape[-2] * shape[-1]).astype(bool)
    np.packbits(flat, axis=1).tofile(os.path.join(out_dir, name))
    return {"file": name, "shape": shape, "dtype": "bits"}


def tensor_stats(t: torch.Tensor) -> Dict:
    d = t.double()
    return {"sum": float(d.sum()), "abs_sum": float(d.abs().sum()), "max": float(d.max()),
            "min": float(d.min())}


def predict(predictor, recorder: Recorder, group: Dict, mask_input, multimask: bool):
    """One official predict call (and its return_logits twin); returns the decoder's
    unclamped logits and IoU, the binary masks, and the sure-pixel masks."""
    kwargs = dict(
        point_coords=None if group["points"] is None else np.array(group["points"], np.float32),
        point_labels=None if group["labels"] is None else np.array(group["labels"], np.int32),
        box=None if group["boxes"] is None else np.array(group["boxes"], np.float32),
        mask_input=mask_input, multimask_output=multimask)
    masks, iou, low_res = predictor.predict(**kwargs)
    call = recorder.calls[-1]
    logits, _, _ = predictor.predict(return_logits=True, **kwargs)
    b = call["logits"].shape[0]
    masks = masks.reshape(b, -1, *masks.shape[-2:])
    logits = logits.reshape(b, -1, *logits.shape[-2:])
    low_res = low_res.reshape(b, -1, *low_res.shape[-2:])
    clamped = torch.clamp(call["logits"], -32.0, 32.0).numpy()
    assert np.array_equal(low_res, clamped), "predictor low-res logits are not the decoder's"
    assert np.array_equal(iou.reshape(b, -1), call["iou"].numpy())
    return call, masks, np.abs(logits) > SURE_LOGIT, low_res


def decode_inputs(call: Dict) -> (np.ndarray, np.ndarray):
    """What sambench's decode takes: the prompt encoder's points, padded as it pads them."""
    coords, labels = call["points"].float(), call["labels"].float()
    if call["pad"]:
        coords = torch.cat([coords, torch.zeros(coords.shape[0], 1, 2)], dim=1)
        labels = torch.cat([labels, -torch.ones(labels.shape[0], 1)], dim=1)
    return coords.numpy(), labels.numpy()


def run_group(predictor, recorder, rng, out_dir, prefix, kind, height, width, feedback) -> Dict:
    group = make_group(rng, "point" if kind == "mask_input" else kind, height, width)
    group["kind"] = kind
    mask_input = feedback if kind == "mask_input" else None
    single, single_masks, single_sure, _ = predict(predictor, recorder, group, mask_input, False)
    multi, multi_masks, multi_sure, multi_low_res = predict(predictor, recorder, group, mask_input, True)
    coords, labels = decode_inputs(single)
    logits = torch.cat([single["logits"], multi["logits"]], dim=1)  # sambench's decode layout
    iou = torch.cat([single["iou"], multi["iou"]], dim=1)
    kept = []
    for i in range(logits.shape[0]):
        same = [j for j in range(3) if torch.equal(single["logits"][i, 0], multi["logits"][i, j])]
        kept.append(1 + same[0] if same else 0)
    entry = {
        "kind": kind, "prompts": {k: group[k] for k in ("points", "labels", "boxes")},
        "batch": int(logits.shape[0]),
        "coords": save(out_dir, f"{prefix}_coords.f32", coords, "<f4"),
        "labels": save(out_dir, f"{prefix}_labels.f32", labels, "<f4"),
        "mask_input": None if mask_input is None else save(out_dir, f"{prefix}_mask_input.f32", mask_input, "<f4"),
        "low_res_logits": save(out_dir, f"{prefix}_logits.f32",
                               logits[..., ::LOGIT_STRIDE, ::LOGIT_STRIDE].numpy(), "<f4"),
        "low_res_logits_stats": [tensor_stats(logits[i]) for i in range(logits.shape[0])],
        "iou": save(out_dir, f"{prefix}_iou.f32", iou.numpy(), "<f4"),
        "single_kept": kept,
        "multi_best": [1 + int(np.argmax(multi["iou"][i].numpy())) for i in range(logits.shape[0])],
        "masks": save_bits(out_dir, f"{prefix}_masks.bits", np.concatenate([single_masks, multi_masks], 1)),
        "sure": save_bits(out_dir, f"{prefix}_sure.bits", np.concatenate([single_sure, multi_sure], 1)),
    }
    # An interactive user feeds the best multimask output (as the predictor returns it) back.
    best = [int(np.argmax(multi["iou"][i].numpy())) for i in range(logits.shape[0])]
    entry["_feedback"] = np.stack([multi_low_res[i, best[i]][None] for i in range(len(best))])
    return entry


def run_case(predictor, recorder, rng, out_dir, name, width, height, kinds) -> Dict:
    from PIL import Image

    image = smooth_image(rng, width, height, blobs=8, max_sigma=0.25, noise_std=6)
    Image.fromarray(image).save(os.path.join(out_dir, f"{name}.png"))
    predictor.set_image(image)
    x = recorder.model_input
    feats = {"image_embed": predictor._features["image_embed"],
             "feat_s0": predictor._features["high_res_feats"][0],
             "feat_s1": predictor._features["high_res_feats"][1]}
    r0, r1 = INPUT_CROP
    case = {
        "name": name, "image": f"{name}.png", "height": height, "width": width,
        "input_strided": save(out_dir, f"{name}_input_strided.f32",
                              x[0, :, INPUT_PHASE::INPUT_STRIDE, INPUT_PHASE::INPUT_STRIDE].numpy(), "<f4"),
        "input_crop": save(out_dir, f"{name}_input_crop.f32", x[0, :, r0:r1, r0:r1].numpy(), "<f4"),
        "input_stats": tensor_stats(x),
        "features": {}, "groups": [],
    }
    for key, (c_step, s_step) in FEATURE_SLICES.items():
        t = feats[key]
        case["features"][key] = dict(
            save(out_dir, f"{name}_{key}.f32", t[0, ::c_step, ::s_step, ::s_step].numpy(), "<f4"),
            full_shape=list(t.shape), channel_step=c_step, spatial_step=s_step,
            stats=tensor_stats(t))
    feedback = None
    for g, kind in enumerate(kinds):
        entry = run_group(predictor, recorder, rng, out_dir, f"{name}_g{g}", kind, height, width, feedback)
        feedback = entry.pop("_feedback")
        case["groups"].append(entry)
    return case


FORMAT_NOTE = {
    "files": "raw little-endian, row-major; dtype f32 = float32, u8 = uint8, bits = each "
             "[H,W] mask's pixels row-major packed 8 per byte, most significant bit first "
             "(numpy.packbits), masks one after another, each padded to whole bytes",
    "model": "sambench export --model-type sam2.1_hiera_tiny --random-init --seed <seed> "
             "(weights loaded into the official modules by name)",
    "image": "PNG, RGB uint8, the image given to SAM2ImagePredictor.set_image",
    "input_strided": "model input [1,3,1024,1024] (after the official resize and normalize) at "
                     "[0, :, phase::stride, phase::stride]",
    "input_crop": "model input [0, :, r0:r1, r0:r1] (full resolution window)",
    "features": "encode outputs [0, ::channel_step, ::spatial_step, ::spatial_step]; stats are "
                "float64 sum/abs_sum/max/min of the full tensor",
    "coords, labels": "decode's point_coords [B,N,2] (input frame, 0..1024) and point_labels [B,N] "
                      "as the official prompt encoder received them, with its padding point "
                      "(0,0)/-1 appended; box corners first (labels 2, 3). The official mapping "
                      "is float32 (x / W) * 1024, (y / H) * 1024 of the case's prompts (image "
                      "pixels, labels 1 positive, 0 negative; boxes x0, y0, x1, y1)",
    "mask_input": "[B,1,256,256] low-res logits fed back (the previous group's best multimask "
                  "output as the predictor returned it, clamped to +-32)",
    "low_res_logits": "[B,4,256,256][..., ::stride, ::stride], unclamped decoder logits; slot 0 = "
                      "predict(multimask_output=False), slots 1..3 = predict(multimask_output=True)",
    "iou": "[B,4] in the same slots",
    "single_kept": "per prompt, which decoder token the single-mask answer is: 0 = token 0 "
                   "(stable), k = multimask token k (the stability fallback)",
    "multi_best": "per prompt, the multimask slot (1..3) with the highest IoU",
    "masks": "[B,4,H,W] bits: the predictor's binary masks at the image size, slots as above",
    "sure": "[B,4,H,W] bits: where |upscaled logit| > sure_logit (a flip there is an error)",
    "official_video_only_keys": "name -> shape of the official model's entries that the image "
                                "path does not use (what an official checkpoint holds besides it)",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="checkout of facebookresearch/sam2")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    ap.add_argument("--data-seed", type=int, default=2024, help="seed of images and prompts")
    args = ap.parse_args()

    start = time.time()
    torch.set_num_threads(2)
    install_shims()
    sys.path.insert(0, os.path.abspath(args.reference))
    import torchvision

    official = build_official_tiny()
    video_only = load_sambench_weights(official, args.seed)
    predictor = make_predictor(official)
    recorder = Recorder(official)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.RandomState(args.data_seed)
    with torch.no_grad():
        cases = [run_case(predictor, recorder, rng, args.out, *case) for case in CASES]
    manifest = {
        "format": FORMAT_NOTE, "model_type": MODEL_TYPE, "seed": args.seed,
        "reference": "facebookresearch/sam2 SAM2ImagePredictor (image mode defaults)",
        "torch_version": torch.__version__, "torchvision_version": torchvision.__version__,
        "input_stride": INPUT_STRIDE, "input_phase": INPUT_PHASE, "input_crop": list(INPUT_CROP),
        "logit_stride": LOGIT_STRIDE, "sure_logit": SURE_LOGIT, "cases": cases,
        "official_video_only_keys": video_only,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    kept = [k for c in cases for g in c["groups"] for k in g["single_kept"]]
    print(f"wrote {len(cases)} images, {len(kept)} prompts to {args.out} in {time.time() - start:.0f}s "
          f"(single-mask answers from token 0: {kept.count(0)}, from the fallback: {len(kept) - kept.count(0)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
