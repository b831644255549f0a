#!/usr/bin/python3
"""Tests for the SAM 2.1 export (scripts/sam2_image.py through scripts/export_sam.py).

Plain Python; exits non-zero on failure. Run: /usr/bin/python3 tests/export_sam2_test.py
"""

import json
import os
import sys
import tempfile
from typing import Dict, List

import torch

import export_checks  # beside this file; puts scripts/ on the path
from export_checks import ROOT, Layout, conv, linear, mlp, norm, run_export
import export_sam
import sam2_image

REPORT = export_checks.Report()
check = REPORT.check


# --------------------------------------------------------------------------
# The official checkpoints' image-path layout, written out from the official configs
# (sam2.1_hiera_{t,s,b+,l}.yaml) and module structure, independently of sam2_image.py.
# --------------------------------------------------------------------------

TRUNKS = {  # embed_dim, stages, background size, first window
    "sam2.1_hiera_tiny": (96, (1, 2, 7, 2), (7, 7), 8),
    "sam2.1_hiera_small": (96, (1, 2, 11, 2), (7, 7), 8),
    "sam2.1_hiera_base_plus": (112, (2, 3, 16, 3), (14, 14), 8),
    "sam2.1_hiera_large": (144, (2, 6, 36, 4), (7, 7), 8),
}


def trunk_layout(model_type: str) -> Layout:
    c, stages, bkg, window = TRUNKS[model_type]
    t = "image_encoder.trunk"
    e: Layout = {f"{t}.pos_embed": (1, c) + bkg, f"{t}.pos_embed_window": (1, c, window, window)}
    e.update(conv(f"{t}.patch_embed.proj", 3, c, 7))
    block = 0
    for stage, n in enumerate(stages):
        for j in range(n):
            d_out = c * 2 ** stage
            d_in = d_out // 2 if (stage > 0 and j == 0) else d_out
            p = f"{t}.blocks.{block}"
            e.update(norm(f"{p}.norm1", d_in))
            e.update(linear(f"{p}.attn.qkv", d_in, 3 * d_out))
            e.update(linear(f"{p}.attn.proj", d_out, d_out))
            e.update(norm(f"{p}.norm2", d_out))
            e.update(mlp(f"{p}.mlp", [d_out, 4 * d_out, d_out]))
            if d_in != d_out:
                e.update(linear(f"{p}.proj", d_in, d_out))
            block += 1
    for j, width in enumerate([8 * c, 4 * c, 2 * c, c]):
        e.update(conv(f"image_encoder.neck.convs.{j}.conv", width, 256, 1))
    return e


def heads_layout() -> Layout:
    """SAM's prompt encoder and decoder layout, with SAM 2.1's names (sam_ prefixes, the token MLP
    as layers.0/1) and its additions: the object-score token and head, the high-resolution
    feature projections and the no-memory embedding."""
    d = "sam_mask_decoder"
    e: Layout = {"no_mem_embed": (1, 1, 256)}
    e.update(export_checks.prompt_encoder_layout("sam_prompt_encoder"))
    e.update(export_checks.mask_decoder_layout(d, layered_mlp=True))
    e[f"{d}.obj_score_token.weight"] = (1, 256)
    e.update(conv(f"{d}.conv_s0", 256, 32, 1))
    e.update(conv(f"{d}.conv_s1", 256, 64, 1))
    e.update(mlp(f"{d}.pred_obj_score_head", [256, 256, 256, 1]))
    return e


def expected_layout(model_type: str) -> Layout:
    return {**trunk_layout(model_type), **heads_layout()}


def official_video_only_keys() -> Layout:
    """What the official tiny model holds besides the image path, as the fixture script read it
    from the official modules (tests/fixtures/sam2_parity/manifest.json)."""
    with open(os.path.join(ROOT, "tests", "fixtures", "sam2_parity", "manifest.json")) as f:
        return {k: tuple(v) for k, v in json.load(f)["official_video_only_keys"].items()}


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def test_layouts() -> None:
    for mt in TRUNKS:
        model = sam2_image.build_sam2(mt, device=torch.device("meta"))
        export_checks.check_layout(REPORT, f"{mt} image path", model, expected_layout(mt))
        try:
            scripted = torch.jit.script(model)
            check(f"{mt}: torch.jit.script compiles with encode/decode",
                  hasattr(scripted, "encode") and hasattr(scripted, "decode"), "method missing")
        except Exception as e:  # noqa: BLE001 - any compile error is a failure
            check(f"{mt}: torch.jit.script compiles", False, str(e).splitlines()[0])


def test_interface(path: str) -> None:
    module = torch.jit.load(path, map_location="cpu")
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(1, 3, 1024, 1024, generator=gen)
    coords = torch.tensor([[[100.0, 200.0], [0.0, 0.0], [0.0, 0.0]],       # point + padding
                           [[300.5, 50.0], [900.0, 700.0], [0.0, 0.0]]])   # box + padding
    labels = torch.tensor([[1.0, -1.0, -1.0], [2.0, 3.0, -1.0]])
    with torch.no_grad():
        embed, s0, s1 = module.encode(x)
        logits, iou = module.decode(embed, s0, s1, coords, labels, None)
        again, _ = module.decode(embed, s0, s1, coords, labels, logits[:, :1].contiguous())
        one, _ = module.decode(embed, s0, s1, coords[1:], labels[1:], None)
    check("encode -> [1,256,64,64], [1,32,256,256], [1,64,128,128]",
          [list(t.shape) for t in (embed, s0, s1)] == [[1, 256, 64, 64], [1, 32, 256, 256], [1, 64, 128, 128]],
          str([t.shape for t in (embed, s0, s1)]))
    check("decode -> [2,4,256,256] logits, [2,4] iou",
          list(logits.shape) == [2, 4, 256, 256] and list(iou.shape) == [2, 4], f"{logits.shape} {iou.shape}")
    check("iou scores are sigmoid outputs", bool(((iou > 0) & (iou < 1)).all()), str(iou))
    check("mask_input changes the output", not torch.allclose(again, logits), "no effect")
    check("batch rows are independent", torch.allclose(one, logits[1:], atol=1e-5), "row differs alone")
    # model.precision bf16 casts the image encoder alone, as sambench does for SAM.
    with torch.no_grad():
        module.image_encoder.to(torch.bfloat16)
        low = module.encode(x.to(torch.bfloat16))
    errors = [((a.float() - b).norm() / b.norm()).item() for a, b in zip(low, (embed, s0, s1))]
    check("a bf16 image encoder gives bf16 features close to fp32 (relative L2 < 0.03)",
          all(t.dtype == torch.bfloat16 for t in low) and max(errors) < 0.03, f"{errors}")


def test_shared_blocks() -> None:
    """SAM 2.1's prompt encoder and two-way transformer are SAM's (scripts/sam_blocks.py), not a copy."""
    sam = export_sam.build_sam("small", device=torch.device("meta"))
    sam2 = sam2_image.build_sam2("sam2.1_hiera_tiny", device=torch.device("meta"))
    pairs = [(sam.prompt_encoder, sam2.sam_prompt_encoder),
             (sam.mask_decoder.transformer, sam2.sam_mask_decoder.transformer),
             (sam.mask_decoder.transformer.layers[0].self_attn, sam2.sam_mask_decoder.transformer.layers[0].self_attn)]
    check("SAM and SAM 2.1 build their prompt encoder and transformer from the same classes",
          all(type(a) is type(b) for a, b in pairs), f"{[(type(a), type(b)) for a, b in pairs]}")
    check("both mask decoders share their token and hypernetwork steps",
          type(sam.mask_decoder).mask_logits is type(sam2.sam_mask_decoder).mask_logits)


def test_single_mask_choice() -> None:
    """The stability rule on hand-made logits: stable token 0 stays, unstable falls back."""
    decoder = sam2_image.MaskDecoder(device=torch.device("meta"))
    masks = torch.full((2, 4, 8, 8), -5.0)
    masks[:, :, :4, :] = 5.0  # a clean half-plane: stability 1
    masks[1, 0, 4, :] = 0.01  # 8 pixels in (-0.05, 0.05]: 32 / 40 = 0.8 < 0.98
    iou = torch.tensor([[0.9, 0.1, 0.5, 0.2], [0.9, 0.1, 0.2, 0.6]])
    out, out_iou = decoder.choose_single_mask(masks, iou)
    check("stable token 0 is kept", torch.equal(out[0, 0], masks[0, 0]) and torch.equal(out_iou[0, 0], iou[0, 0]))
    check("unstable token 0 falls back to the highest-IoU multimask output",
          torch.equal(out[1, 0], masks[1, 3]) and torch.equal(out_iou[1, 0], iou[1, 3]))
    check("multimask slots are untouched", torch.equal(out[:, 1:], masks[:, 1:]) and torch.equal(out_iou[:, 1:], iou[:, 1:]))


def test_metadata(path: str) -> None:
    got = export_sam.read_metadata(path)
    export_checks.check_metadata_keys(REPORT, "sam2.1_hiera_tiny", got, {"embedding_tensors"})
    check("metadata: textbook attention, batched encode, float32 norms",
          got.get("encoder_attention") == "textbook" and got.get("batched_encode") is True
          and got.get("encoder_layer_norms") == "float32" and got.get("format") == "sambench-sam/1",
          json.dumps(got))
    profile = got.get("profile", {})
    check("metadata: SAM 2.1 profile",
          profile == {"name": "sam2", "resize": "square", "resize_filter": "torch_bilinear_aa",
                      "normalization": "mean_std", "value_range": 1, "upscale": "direct",
                      "input_size": 1024, "prompt": "point", "mask_output": "multimask",
                      "pad_point": "always", "box_position": "first"}, json.dumps(profile))
    check("metadata: ImageNet mean/std in 0..1 units, three embedding tensors",
          got.get("pixel_mean") == [0.485, 0.456, 0.406] and got.get("pixel_std") == [0.229, 0.224, 0.225]
          and got.get("embedding_tensors") == ["image_embed", "feat_s0", "feat_s1"]
          and got.get("model_type") == "sam2.1_hiera_tiny" and got.get("seed") == 3
          and got.get("random_init") is True, json.dumps(got))


def official_checkpoint(state: Dict[str, torch.Tensor]) -> Dict:
    model = dict(state)
    for k, shape in official_video_only_keys().items():
        model[k] = torch.zeros(shape)
    return {"model": model}


def test_checkpoints(tmp: str, reference: str) -> None:
    state = {k: v.clone() for k, v in torch.jit.load(reference, map_location="cpu").state_dict().items()}
    ckpt = os.path.join(tmp, "sam2.1_hiera_tiny.pt")
    torch.save(official_checkpoint(state), ckpt)
    out = os.path.join(tmp, "from_ckpt.pt")
    r = run_export("--model-type", "sam2.1_hiera_tiny", "--checkpoint", ckpt, "--output", out)
    check("an official-layout checkpoint (video-only keys included) loads", r.returncode == 0, r.stderr[-400:])
    if r.returncode == 0:
        loaded = torch.jit.load(out, map_location="cpu").state_dict()
        check("checkpoint round trip: identical weights",
              set(loaded) == set(state) and all(torch.equal(loaded[k], v) for k, v in state.items()))

    def rejected(ckpt_obj, must_name: List[str], what: str) -> None:
        torch.save(ckpt_obj, ckpt)
        r = run_export("--model-type", "sam2.1_hiera_tiny", "--checkpoint", ckpt, "--output", out + ".bad")
        msg = r.stderr.strip()
        check(f"{what}: refused with a one-line error naming it",
              r.returncode != 0 and msg.count("\n") == 0 and all(s in msg for s in must_name),
              f"rc={r.returncode} stderr={msg[-300:]}")

    extra = official_checkpoint(state)
    extra["model"]["sam_mask_decoder.extra_head.weight"] = torch.zeros(3)
    rejected(extra, ["sam_mask_decoder.extra_head.weight"], "an unknown key")
    missing = official_checkpoint(state)
    del missing["model"]["sam_mask_decoder.conv_s0.weight"]
    rejected(missing, ["conv_s0"], "a missing key")
    rejected(state, ["'model'", ckpt], "a bare state_dict (no 'model' entry)")
    wrong = official_checkpoint(state)
    wrong["model"]["image_encoder.trunk.pos_embed"] = torch.zeros(1, 96, 14, 14)
    rejected(wrong, ["pos_embed"], "a wrong shape (base_plus background in a tiny model)")


def main() -> int:
    torch.set_num_threads(2)
    test_layouts()
    test_shared_blocks()
    test_single_mask_choice()
    with tempfile.TemporaryDirectory() as tmp:
        reference = os.path.join(tmp, "tiny.pt")
        r = run_export("--model-type", "sam2.1_hiera_tiny", "--random-init", "--seed", "3", "--output", reference)
        check("export sam2.1_hiera_tiny --random-init exits 0", r.returncode == 0, r.stderr[-500:])
        os.makedirs(os.path.join(tmp, "again"))
        again = os.path.join(tmp, "again", "tiny.pt")  # the .pt's folder name is the file's name
        run_export("--model-type", "sam2.1_hiera_tiny", "--random-init", "--seed", "3", "--output", again)
        with open(reference, "rb") as fa, open(again, "rb") as fb:
            check("same seed -> byte-identical .pt", fa.read() == fb.read(), "files differ")
        r = run_export("--model-type", "sam2.1_hiera_tiny", "--random-init", "--attention", "sdpa",
                       "--output", os.path.join(tmp, "x.pt"))
        check("--attention sdpa is refused for SAM 2.1", r.returncode != 0 and "SAM 2.1" in r.stderr,
              r.stderr[-300:])
        if os.path.exists(reference):
            test_metadata(reference)
            test_interface(reference)
            test_checkpoints(tmp, reference)
    return REPORT.finish()


if __name__ == "__main__":
    sys.exit(main())
