#!/usr/bin/python3
"""Tests for scripts/export_sam.py (plain Python; exits non-zero on failure).

Run: /usr/bin/python3 tests/export_sam_test.py
"""

import json
import os
import sys
import tempfile
from typing import Dict

import torch

import export_checks  # beside this file; puts scripts/ on the path
from export_checks import Layout, linear, norm, run_export
import export_sam

REPORT = export_checks.Report()
check = REPORT.check


# --------------------------------------------------------------------------
# Expected official layout, written out from the structure of the official
# segment_anything modules (independently of export_sam.py's code).
# --------------------------------------------------------------------------

ENCODERS = {  # embed_dim, depth, heads, global-attention blocks
    "vit_b": (768, 12, 12, (2, 5, 8, 11)),
    "vit_l": (1024, 24, 16, (5, 11, 17, 23)),
    "vit_h": (1280, 32, 16, (7, 15, 23, 31)),
    "small": (96, 2, 2, (1,)),
    # MedSAM's medsam_vit_b.pth: MedSAM_Inference.py builds it with sam_model_registry["vit_b"].
    "medsam_vit_b": (768, 12, 12, (2, 5, 8, 11)),
}


def expected_layout(model_type: str) -> Layout:
    d, depth, heads, global_blocks = ENCODERS[model_type]
    hd = d // heads
    e: Layout = {}
    e["image_encoder.pos_embed"] = (1, 64, 64, d)
    e["image_encoder.patch_embed.proj.weight"] = (d, 3, 16, 16)
    e["image_encoder.patch_embed.proj.bias"] = (d,)
    for i in range(depth):
        b = f"image_encoder.blocks.{i}"
        rel = 2 * (64 if i in global_blocks else 14) - 1
        e.update(norm(f"{b}.norm1", d))
        e[f"{b}.attn.rel_pos_h"] = (rel, hd)
        e[f"{b}.attn.rel_pos_w"] = (rel, hd)
        e.update(linear(f"{b}.attn.qkv", d, 3 * d))
        e.update(linear(f"{b}.attn.proj", d, d))
        e.update(norm(f"{b}.norm2", d))
        e.update(linear(f"{b}.mlp.lin1", d, 4 * d))
        e.update(linear(f"{b}.mlp.lin2", 4 * d, d))
    e["image_encoder.neck.0.weight"] = (256, d, 1, 1)
    e.update(norm("image_encoder.neck.1", 256))
    e["image_encoder.neck.2.weight"] = (256, 256, 3, 3)
    e.update(norm("image_encoder.neck.3", 256))
    e.update(export_checks.sam_heads_layout())
    return e


# Parameter counts (the gaussian matrix is a buffer, not a parameter). vit_b's
# 93,735,472 is the published figure; the layout above reproduces it, and vit_l
# / vit_h follow from the same layout.
EXPECTED_PARAMS = {"vit_b": 93_735_472, "vit_l": 312_342_832, "vit_h": 641_090_608,
                   "medsam_vit_b": 93_735_472}

REPRESENTATIVE = {  # spot checks named in the task, independent of expected_layout()
    "vit_b": {
        "image_encoder.blocks.0.attn.rel_pos_h": (27, 64),
        "image_encoder.blocks.2.attn.rel_pos_h": (127, 64),
        "mask_decoder.output_hypernetworks_mlps.3.layers.2.weight": (32, 256),
        "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix": (2, 128),
        "image_encoder.neck.0.weight": (256, 768, 1, 1),
    },
    "vit_h": {
        "image_encoder.blocks.31.attn.rel_pos_w": (127, 80),
        "image_encoder.blocks.30.attn.rel_pos_w": (27, 80),
        "image_encoder.patch_embed.proj.weight": (1280, 3, 16, 16),
    },
}

# The profiles of the model-zoo table (docs/model.md), written out here, not read from the exporter.
SAM_PROFILE = {"name": "sam", "resize": "longest_side", "resize_filter": "pil_bilinear",
               "normalization": "mean_std", "value_range": 255, "upscale": "via_input", "input_size": 1024,
               "prompt": "point", "mask_output": "multimask", "pad_point": "without_box", "box_position": "last"}
MEDSAM_PROFILE = {"name": "medsam", "resize": "square", "resize_filter": "skimage_cubic_aa_uint8",
                  "normalization": "min_max", "value_range": 255, "upscale": "direct_sigmoid", "input_size": 1024,
                  "prompt": "box", "mask_output": "single", "pad_point": "without_box", "box_position": "last"}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def sample_inputs():
    gen = torch.Generator().manual_seed(42)
    x = torch.randn(1, 3, 1024, 1024, generator=gen)
    coords = torch.tensor([[[100.0, 200.0], [0.0, 0.0]],        # point + padding
                           [[300.5, 50.0], [900.0, 700.0]],     # box
                           [[512.0, 512.0], [10.0, 20.0]]])     # pos + neg
    labels = torch.tensor([[1.0, -1.0], [2.0, 3.0], [1.0, 0.0]])
    return x, coords, labels


def run_module(module, mask_input=None):
    x, coords, labels = sample_inputs()
    with torch.no_grad():
        emb = module.encode(x)
        low_res, iou = module.decode(emb, coords, labels, mask_input)
    return emb, low_res, iou


def same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.equal(a, b))


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def test_layout_and_scripting() -> None:
    for mt in ("vit_b", "vit_l", "vit_h", "medsam_vit_b", "small"):
        # Meta tensors: shapes only, so even vit_h costs no memory or init time.
        model = export_sam.build_sam(mt, device=torch.device("meta"))
        want = expected_layout(mt)
        got = export_checks.check_layout(REPORT, mt, model, want)
        for key, shape in REPRESENTATIVE.get(mt, {}).items():
            check(f"{mt}: {key} shape {list(shape)}", got.get(key) == shape, f"got {got.get(key)}")
        check(f"{mt}: pixel_mean/pixel_std not in state_dict",
              not any("pixel_" in k for k in got), "found pixel_* keys")
        n_params = sum(p.numel() for p in model.parameters())
        n_layout = sum(torch.Size(s).numel() for k, s in want.items()
                       if not k.endswith("positional_encoding_gaussian_matrix"))
        check(f"{mt}: parameter count {n_params:,} equals layout count", n_params == n_layout,
              f"layout says {n_layout:,}")
        if mt in EXPECTED_PARAMS:
            check(f"{mt}: parameter count equals {EXPECTED_PARAMS[mt]:,}",
                  n_params == EXPECTED_PARAMS[mt], f"got {n_params:,}")
        try:
            scripted = torch.jit.script(model)
            ok = all(hasattr(scripted, m) for m in ("encode", "decode"))
            check(f"{mt}: torch.jit.script compiles with encode/decode", ok, "method missing")
        except Exception as e:  # noqa: BLE001 - report any compile error as a failure
            check(f"{mt}: torch.jit.script compiles", False, str(e).splitlines()[0])


def test_scripted_interface(path: str) -> None:
    module = torch.jit.load(path, map_location="cpu")
    emb, low_res, iou = run_module(module)
    check("encode -> [1,256,64,64]", list(emb.shape) == [1, 256, 64, 64], str(emb.shape))
    check("decode -> [3,4,256,256] logits, [3,4] iou",
          list(low_res.shape) == [3, 4, 256, 256] and list(iou.shape) == [3, 4],
          f"{low_res.shape} {iou.shape}")
    check("random-init logits are O(1) and finite (threshold not dominated by noise)",
          bool(torch.isfinite(low_res).all()) and 0.3 < low_res.abs().mean().item() < 30,
          f"mean |logit| {low_res.abs().mean().item():g}")
    x, coords, labels = sample_inputs()
    with torch.no_grad():
        low_int, iou_int = module.decode(emb, coords, labels.to(torch.int32), None)
        low_mask, _ = module.decode(emb, coords, labels, low_res[:, :1].contiguous())
    check("int32 labels give the same result as float labels",
          same(low_int, low_res) and same(iou_int, iou), "differs")
    check("mask_input changes the output", not torch.allclose(low_mask, low_res), "no effect")
    with torch.no_grad():  # rows are independent prompts: decoding one alone gives the same row
        low_one, _ = module.decode(emb, coords[1:2], labels[1:2], None)
    check("batch rows are independent",
          torch.allclose(low_one, low_res[1:2], atol=1e-5), "row 1 differs when decoded alone")


def test_float32_layer_norms(path: str) -> None:
    """The encoder's layer norms compute in float32 whatever the input's dtype (model.precision)."""
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 16, 5, 7, generator=gen) * 40 + 3
    norm2d = export_sam.LayerNorm2d(16)
    plain = torch.nn.LayerNorm(7, eps=1e-6)
    norm = export_sam.Float32LayerNorm(7, eps=1e-6)
    with torch.no_grad():
        for m in (norm2d, plain, norm):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(torch.randn(m.bias.shape, generator=gen))
        norm.load_state_dict(plain.state_dict())  # same keys as nn.LayerNorm
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        want2d = norm2d.weight[:, None, None] * ((x - mean) / torch.sqrt(var + 1e-6)) + norm2d.bias[:, None, None]
        check("fp32 input: LayerNorm2d gives the plain formula's bits", same(norm2d(x), want2d), "differs")
        check("fp32 input: Float32LayerNorm gives nn.LayerNorm's bits", same(norm(x), plain(x)), "differs")
        xb = x.to(torch.bfloat16)
        for name, m in (("LayerNorm2d", norm2d), ("Float32LayerNorm", norm)):
            got = m.to(torch.bfloat16)(xb)
            want = m.float()(xb.float()).to(torch.bfloat16)  # weights were bf16-rounded above
            check(f"bf16 input: {name} computes in float32 and returns bf16",
                  got.dtype == torch.bfloat16 and same(got, want), f"dtype {got.dtype}")
    encoder = export_sam.build_sam("small", device=torch.device("meta")).image_encoder
    plain_norms = [n for n, m in encoder.named_modules()
                   if isinstance(m, torch.nn.LayerNorm) and not isinstance(m, export_sam.Float32LayerNorm)]
    check("every encoder nn.LayerNorm is a Float32LayerNorm", not plain_norms, f"{plain_norms[:3]}")
    module = torch.jit.load(path, map_location="cpu")
    x, _, _ = sample_inputs()
    with torch.no_grad():
        emb = module.encode(x)
        module.image_encoder.to(torch.bfloat16)
        emb_bf16 = module.encode(x.to(torch.bfloat16))
    err = ((emb_bf16.float() - emb).norm() / emb.norm()).item()
    check("scripted encoder runs in bf16 close to fp32 (relative L2 < 0.03)",
          emb_bf16.dtype == torch.bfloat16 and err < 0.03, f"dtype {emb_bf16.dtype}, error {err:g}")


def test_metadata(path: str, seed: int) -> Dict:
    meta = export_sam.read_metadata(path)
    export_checks.check_metadata_keys(REPORT, "small", meta)
    check("metadata values (random init)",
          meta.get("format") == "sambench-sam/1" and meta.get("model_type") == "small"
          and meta.get("image_size") == 1024 and meta.get("embedding_size") == 64
          and meta.get("low_res_size") == 256 and meta.get("num_mask_outputs") == 4
          and meta.get("mask_threshold") == 0.0 and meta.get("random_init") is True
          and meta.get("seed") == seed and meta.get("checkpoint") is None
          and meta.get("checkpoint_sha256") is None
          and meta.get("encoder_attention") == "textbook" and meta.get("batched_encode") is True
          and meta.get("pixel_mean") == [123.675, 116.28, 103.53]
          and meta.get("pixel_std") == [58.395, 57.12, 57.375], json.dumps(meta))
    check("metadata profile of a SAM type is SAM's", meta.get("profile") == SAM_PROFILE, json.dumps(meta.get("profile")))
    return meta


def test_profiles() -> None:
    """Every model type writes a profile; MedSAM's is the table's, SAM's for every SAM size."""
    for mt in sorted(export_sam.MODEL_CONFIGS):
        meta = json.loads(export_sam.make_metadata(mt, None, 0))
        check(f"{mt}: metadata has a profile", isinstance(meta.get("profile"), dict), json.dumps(meta))
    for mt, want in (("vit_b", SAM_PROFILE), ("vit_l", SAM_PROFILE), ("vit_h", SAM_PROFILE),
                     ("small", SAM_PROFILE), ("medsam_vit_b", MEDSAM_PROFILE)):
        meta = json.loads(export_sam.make_metadata(mt, None, 0))
        check(f"{mt}: metadata profile", meta.get("profile") == want, json.dumps(meta.get("profile")))


def test_reproducible(tmp: str) -> str:
    paths = []
    for sub in ("a", "b"):
        os.makedirs(os.path.join(tmp, sub))
        paths.append(os.path.join(tmp, sub, "small.pt"))
        r = run_export("--model-type", "small", "--random-init", "--seed", "3", "--output", paths[-1])
        check(f"export --random-init --seed 3 ({sub}) exits 0", r.returncode == 0, r.stderr[-500:])
    check("export prints one summary line with path and sha256",
          r.stdout.count("\n") == 1 and paths[-1] in r.stdout and "sha256=" in r.stdout, r.stdout)
    check("same seed -> identical metadata",
          export_sam.read_metadata(paths[0]) == export_sam.read_metadata(paths[1]), "differs")
    out_a = run_module(torch.jit.load(paths[0]))
    out_b = run_module(torch.jit.load(paths[1]))
    check("same seed -> identical outputs", all(same(a, b) for a, b in zip(out_a, out_b)), "differs")
    with open(paths[0], "rb") as fa, open(paths[1], "rb") as fb:
        check("same seed -> byte-identical .pt", fa.read() == fb.read(), "files differ")

    other = os.path.join(tmp, "seed4.pt")
    r = run_export("--model-type", "small", "--random-init", "--seed", "4", "--output", other)
    out_c = run_module(torch.jit.load(other))
    check("different seed -> different outputs", not same(out_a[1], out_c[1]), "identical")
    return paths[0]


def test_checkpoint_roundtrip(tmp: str, reference: str) -> None:
    scripted = torch.jit.load(reference, map_location="cpu")
    # What an official checkpoint looks like: a plain state_dict saved with torch.save.
    state = {k: v.clone() for k, v in scripted.state_dict().items()}
    ckpt = os.path.join(tmp, "sam_small_test.pth")
    torch.save(state, ckpt)
    out = os.path.join(tmp, "from_ckpt.pt")
    r = run_export("--model-type", "small", "--checkpoint", ckpt, "--output", out)
    check("export --checkpoint exits 0", r.returncode == 0, r.stderr[-500:])
    if r.returncode != 0:
        return
    loaded = torch.jit.load(out, map_location="cpu")
    check("checkpoint round trip: identical state_dict",
          all(same(v, loaded.state_dict()[k]) for k, v in state.items()), "weights differ")
    check("checkpoint round trip: identical outputs",
          all(same(a, b) for a, b in zip(run_module(scripted), run_module(loaded))), "outputs differ")
    meta = export_sam.read_metadata(out)
    check("checkpoint metadata (name, sha256, random_init=false, seed=null)",
          meta["checkpoint"] == "sam_small_test.pth"
          and meta["checkpoint_sha256"] == export_sam.sha256_file(ckpt)
          and meta["random_init"] is False and meta["seed"] is None, json.dumps(meta))

    # Strict loading: a missing and an unexpected key must fail with a clear message.
    broken = dict(state)
    del broken["mask_decoder.iou_token.weight"]
    broken["pixel_mean"] = torch.zeros(3)
    torch.save(broken, ckpt)
    r = run_export("--model-type", "small", "--checkpoint", ckpt, "--output", out + ".bad")
    msg = r.stderr.strip()
    check("mismatched checkpoint is rejected with a one-line error naming the keys",
          r.returncode != 0 and msg.count("\n") == 0 and "iou_token" in msg and "pixel_mean" in msg,
          f"rc={r.returncode} stderr={msg[-300:]}")
    # Same keys, one wrong shape.
    reshaped = dict(state)
    reshaped["image_encoder.pos_embed"] = torch.zeros(1, 32, 32, 96)
    torch.save(reshaped, ckpt)
    r = run_export("--model-type", "small", "--checkpoint", ckpt, "--output", out + ".bad")
    msg = r.stderr.strip()
    check("checkpoint with a wrong tensor shape is rejected with a one-line error",
          r.returncode != 0 and msg.count("\n") == 0 and "pos_embed" in msg,
          f"rc={r.returncode} stderr={msg[-300:]}")
    # Another model type's checkpoint.
    torch.save(state, ckpt)
    r = run_export("--model-type", "vit_b", "--checkpoint", ckpt, "--output", out + ".bad")
    check("checkpoint for another model type is rejected", r.returncode != 0 and "vit_b" in r.stderr,
          f"rc={r.returncode} stderr={r.stderr.strip()[-300:]}")


class _RunsCode:
    """Unpickling this runs a command, as a hostile checkpoint would."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def test_hostile_checkpoint_runs_no_code(tmp: str) -> None:
    """Security finding 4: torch.load without weights_only ran code from the checkpoint."""
    marker = os.path.join(tmp, "pwned")
    ckpt = os.path.join(tmp, "hostile.pth")
    torch.save({"image_encoder.pos_embed": torch.zeros(1), "payload": _RunsCode(marker)}, ckpt)
    r = run_export("--model-type", "small", "--checkpoint", ckpt, "--output", os.path.join(tmp, "hostile.pt"))
    msg = r.stderr.strip()
    check("a checkpoint that runs code on loading is refused and runs nothing",
          r.returncode != 0 and not os.path.exists(marker) and "refusing to load" in msg and msg.count("\n") == 0,
          f"rc={r.returncode} marker={os.path.exists(marker)} stderr={msg[-300:]}")
    # The fallback for a PyTorch without weights_only: same refusal, and plain tensors still load.
    try:
        export_sam.load_tensors(ckpt, weights_only=False)
        refused = False
    except SystemExit as e:
        refused = "refusing to load" in str(e)
    check("the tensors-only unpickler refuses the hostile checkpoint", refused and not os.path.exists(marker))
    plain = os.path.join(tmp, "plain.pth")
    state = torch.nn.Linear(3, 2).state_dict()
    state["view"] = torch.arange(12.0).reshape(3, 4).t()[1:]  # strided, with an offset
    state["half"] = torch.ones(2, dtype=torch.float16)
    torch.save(state, plain)
    loaded = export_sam.load_tensors(plain, weights_only=False)
    check("the tensors-only unpickler loads a plain state_dict",
          list(loaded) == list(state) and all(torch.equal(loaded[k], state[k]) for k in state))


def main() -> int:
    torch.set_num_threads(2)
    test_layout_and_scripting()
    test_profiles()
    with tempfile.TemporaryDirectory() as tmp:
        reference = test_reproducible(tmp)
        test_metadata(reference, 3)
        test_scripted_interface(reference)
        test_float32_layer_norms(reference)
        test_checkpoint_roundtrip(tmp, reference)
        test_hostile_checkpoint_runs_no_code(tmp)
    return REPORT.finish()


if __name__ == "__main__":
    sys.exit(main())
