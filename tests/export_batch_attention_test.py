#!/usr/bin/python3
"""Tests of scripts/export_sam.py's batched encode and its two attention forms (plain Python;
exits non-zero on failure).

Run: /usr/bin/python3 tests/export_batch_attention_test.py
"""

import json
import os
import sys
import tempfile

import torch

import export_checks  # beside this file; puts scripts/ on the path
from export_checks import run_export
import export_sam

REPORT = export_checks.Report()
check = REPORT.check
PARITY = 1e-4  # the fused and textbook attentions' embeddings, largest absolute difference


def images(count: int, seed: int) -> torch.Tensor:
    """Normalized-image-like inputs, each different."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(count, 3, 1024, 1024, generator=gen)


def largest_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()


def test_batched_encode_on_cpu() -> None:
    """The scripted encode takes a batch, and on a CPU each image keeps its batch-1 bits."""
    model = torch.jit.script(export_sam.build_random("small", 2))
    x = images(2, 1)
    with torch.inference_mode():
        batch = model.encode(x)
        singles = [model.encode(x[i:i + 1]) for i in range(2)]
    check("encode [2,3,1024,1024] -> [2,256,64,64]", list(batch.shape) == [2, 256, 64, 64], str(batch.shape))
    check("CPU: each image of a batch has its batch-1 embedding's bits",
          all(torch.equal(batch[i:i + 1], singles[i]) for i in range(2)),
          f"largest difference {max(largest_difference(batch[i], singles[i][0]) for i in range(2)):g}")
    check("CPU: the images of a batch stay apart", not torch.equal(batch[0], batch[1]), "two equal embeddings")


def test_batch_pass() -> None:
    """What a GPU runs: the encoder over the whole batch in one pass, close to image by image."""
    encoder = export_sam.build_random("small", 2).image_encoder
    x = images(2, 3)
    with torch.inference_mode():
        batch = encoder(x)
        singles = torch.cat([encoder(x[i:i + 1]) for i in range(2)])
    diff = largest_difference(batch, singles)
    check("one pass over a batch matches image by image within 1e-5", diff < 1e-5, f"largest difference {diff:g}")


def test_bias_as_mask() -> None:
    """The relative-position bias, added as a mask to textbook scores, gives the textbook
    attention: the form that --attention sdpa hands to the fused kernel (runs on any PyTorch)."""
    model = export_sam.build_random("small", 4)  # rel_pos tables perturbed away from zero
    for block in model.image_encoder.blocks:
        attn = block.attn
        grid = (attn.rel_pos_h.shape[0] + 1) // 2
        gen = torch.Generator().manual_seed(grid)
        head_dim = attn.rel_pos_h.shape[1]
        q, k, v = (torch.randn(3, grid * grid, head_dim, generator=gen) for _ in range(3))
        with torch.inference_mode():
            want = attn.attend(q, k, v, grid, grid)
            bias = export_sam.decomposed_rel_pos_bias(q, attn.rel_pos_h, attn.rel_pos_w, grid, grid)
            got = ((q @ k.transpose(-2, -1)) * attn.scale + bias).softmax(dim=-1) @ v
        diff = largest_difference(got, want)
        check(f"{grid}x{grid} grid: bias as an additive mask gives the textbook attention (< 1e-5)",
              diff < 1e-5, f"largest difference {diff:g}")


class MaskFormAttention(export_sam.EncoderAttention):
    """What FusedEncoderAttention computes, with the fused call written out, so that the mask form
    can be scripted and compared under any PyTorch."""

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, h: int, w: int) -> torch.Tensor:
        bias = export_sam.decomposed_rel_pos_bias(q, self.rel_pos_h, self.rel_pos_w, h, w)
        return ((q @ k.transpose(-2, -1)) * self.scale + bias).softmax(dim=-1) @ v


def test_scripted_mask_form() -> None:
    """An attention subclass that overrides attend() scripts, and the whole encoder in the mask
    form agrees with the textbook one: what --attention sdpa builds, short of the fused call."""
    export_sam.ATTENTIONS["mask_form_test"] = MaskFormAttention
    try:
        textbook = torch.jit.script(export_sam.build_random("small", 5))
        mask_form = torch.jit.script(export_sam.build_random("small", 5, "mask_form_test"))
    finally:
        del export_sam.ATTENTIONS["mask_form_test"]
    x = images(1, 7)
    with torch.inference_mode():
        diff = largest_difference(textbook.encode(x), mask_form.encode(x))
    check(f"scripted encoder with the bias as a mask agrees with the textbook one within {PARITY:g}",
          diff < PARITY, f"largest difference {diff:g}")


def test_sdpa_parity(tmp: str) -> None:
    textbook = os.path.join(tmp, "textbook.pt")
    fused = os.path.join(tmp, "sdpa.pt")
    common = ("--model-type", "small", "--random-init", "--seed", "5", "--output")
    if not export_sam.sdpa_available():
        r = run_export(*common, fused, "--attention", "sdpa")
        message = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        check("--attention sdpa without scaled_dot_product_attention fails with one clear line",
              r.returncode != 0 and "PyTorch 2.0" in message and torch.__version__ in message
              and not os.path.exists(fused), f"rc={r.returncode} stderr={r.stderr[-300:]}")
        print(f"SKIP: sdpa parity: PyTorch {torch.__version__} has no "
              "torch.nn.functional.scaled_dot_product_attention (2.0 and later)", flush=True)
        return
    r = run_export(*common, textbook)
    check("export --attention textbook (the default) exits 0", r.returncode == 0, r.stderr[-300:])
    r = run_export(*common, fused, "--attention", "sdpa")
    check("export --attention sdpa exits 0", r.returncode == 0, r.stderr[-300:])
    if r.returncode != 0:
        return
    meta = export_sam.read_metadata(fused)
    check("sdpa export's metadata says encoder_attention sdpa", meta.get("encoder_attention") == "sdpa",
          json.dumps(meta))
    a = torch.jit.load(textbook, map_location="cpu")
    b = torch.jit.load(fused, map_location="cpu")
    check("both forms have the same weights",
          all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items()), "weights differ")
    x = images(2, 6)
    with torch.inference_mode():
        diff = largest_difference(a.encode(x), b.encode(x))
    check(f"sdpa and textbook embeddings agree within {PARITY:g}", diff < PARITY, f"largest difference {diff:g}")


def main() -> int:
    torch.set_num_threads(2)
    test_batched_encode_on_cpu()
    test_batch_pass()
    test_bias_as_mask()
    test_scripted_mask_form()
    with tempfile.TemporaryDirectory() as tmp:
        test_sdpa_parity(tmp)
    return REPORT.finish()


if __name__ == "__main__":
    sys.exit(main())
