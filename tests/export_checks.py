"""What the Python export tests share: a pass/fail report, running scripts/export_sam.py, the
metadata's keys, and the building blocks of the official checkpoints' layouts.

The layouts are written out from the structure of the official modules (segment_anything,
MobileSAM, sam2), independently of the exporter's code, so that a test comparing the two can
fail. SAM and SAM 2.1 share the prompt encoder and the two-way transformer; SAM 2.1's
checkpoints name the transformer's token MLP layers.0/1 where SAM's say lin1/lin2.
"""

import os
import subprocess
import sys
import time
from typing import Dict, List, Set, Tuple

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORT = os.path.join(ROOT, "scripts", "export_sam.py")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

Layout = Dict[str, Tuple[int, ...]]

# The keys of sambench.json that every family's export writes (docs/model.md), written out here,
# not read from the exporter; SAM 2.1 adds embedding_tensors.
METADATA_KEYS = {"format", "model_type", "image_size", "embedding_size", "low_res_size",
                 "pixel_mean", "pixel_std", "mask_threshold", "num_mask_outputs", "checkpoint",
                 "checkpoint_sha256", "random_init", "seed", "torch_version", "encoder_layer_norms",
                 "encoder_attention", "batched_encode", "profile"}


class Report:
    """Prints each check as it runs and keeps the failures; `finish` prints the summary and
    returns the exit code."""

    def __init__(self) -> None:
        self.failures: List[str] = []
        self.start = time.time()

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        print(f"{'PASS' if ok else 'FAIL'}: {name}" + ("" if ok else f" -- {detail}"), flush=True)
        if not ok:
            self.failures.append(name)

    def finish(self) -> int:
        print(f"{'FAILED' if self.failures else 'OK'}: {len(self.failures)} failure(s) "
              f"in {time.time() - self.start:.1f}s")
        return 1 if self.failures else 0


def run_export(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, EXPORT, *args], capture_output=True, text=True)


def check_metadata_keys(report: Report, label: str, meta: Dict, family_keys: Set[str] = frozenset()) -> None:
    """The export's sambench.json has exactly the shared keys and the family's own."""
    want = METADATA_KEYS | set(family_keys)
    report.check(f"{label}: metadata has exactly the documented keys", set(meta) == want,
                 f"missing {sorted(want - set(meta))} extra {sorted(set(meta) - want)}")


def check_layout(report: Report, label: str, model: torch.nn.Module, want: Layout) -> Layout:
    """The model's state_dict against an expected layout: the same keys, the same shapes.
    Returns the model's layout."""
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    bad_shape = sorted(k for k in set(want) & set(got) if want[k] != got[k])
    report.check(f"{label}: state_dict keys match the official layout ({len(want)} keys)",
                 not missing and not extra, f"missing {missing[:3]} unexpected {extra[:3]}")
    report.check(f"{label}: state_dict shapes match the official layout", not bad_shape,
                 f"{[(k, got[k], want[k]) for k in bad_shape[:3]]}")
    return got


# --------------------------------------------------------------------------
# Layout building blocks
# --------------------------------------------------------------------------


def linear(prefix: str, n_in: int, n_out: int) -> Layout:
    return {f"{prefix}.weight": (n_out, n_in), f"{prefix}.bias": (n_out,)}


def conv(prefix: str, n_in: int, n_out: int, k: int) -> Layout:
    return {f"{prefix}.weight": (n_out, n_in, k, k), f"{prefix}.bias": (n_out,)}


def norm(prefix: str, n: int) -> Layout:
    return {f"{prefix}.weight": (n,), f"{prefix}.bias": (n,)}


def mlp(prefix: str, dims: List[int]) -> Layout:
    """An MLP whose linear layers are named layers.0, layers.1, ..."""
    e: Layout = {}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        e.update(linear(f"{prefix}.layers.{i}", a, b))
    return e


def prompt_encoder_layout(p: str) -> Layout:
    """The prompt encoder under prefix p (mask_in_chans 16); the gaussian matrix is a buffer."""
    e: Layout = {f"{p}.pe_layer.positional_encoding_gaussian_matrix": (2, 128)}
    for i in range(4):
        e[f"{p}.point_embeddings.{i}.weight"] = (1, 256)
    e[f"{p}.not_a_point_embed.weight"] = (1, 256)
    e[f"{p}.no_mask_embed.weight"] = (1, 256)
    e.update(conv(f"{p}.mask_downscaling.0", 1, 4, 2))
    e.update(norm(f"{p}.mask_downscaling.1", 4))
    e.update(conv(f"{p}.mask_downscaling.3", 4, 16, 2))
    e.update(norm(f"{p}.mask_downscaling.4", 16))
    e.update(conv(f"{p}.mask_downscaling.6", 16, 256, 1))
    return e


def mask_decoder_layout(d: str, layered_mlp: bool) -> Layout:
    """What SAM's and SAM 2.1's mask decoders both hold under prefix d: the two-way transformer
    (its token MLP as layers.0/1 when layered_mlp, else lin1/lin2), the IoU and mask tokens, the
    upscaling, the hypernetwork MLPs and the IoU head."""
    e: Layout = {}

    def attention(prefix: str, inner: int) -> None:
        for name in ("q_proj", "k_proj", "v_proj"):
            e.update(linear(f"{prefix}.{name}", 256, inner))
        e.update(linear(f"{prefix}.out_proj", inner, 256))

    for i in range(2):
        layer = f"{d}.transformer.layers.{i}"
        attention(f"{layer}.self_attn", 256)
        attention(f"{layer}.cross_attn_token_to_image", 128)
        attention(f"{layer}.cross_attn_image_to_token", 128)
        if layered_mlp:
            e.update(mlp(f"{layer}.mlp", [256, 2048, 256]))
        else:
            e.update(linear(f"{layer}.mlp.lin1", 256, 2048))
            e.update(linear(f"{layer}.mlp.lin2", 2048, 256))
        for n in range(1, 5):
            e.update(norm(f"{layer}.norm{n}", 256))
    attention(f"{d}.transformer.final_attn_token_to_image", 128)
    e.update(norm(f"{d}.transformer.norm_final_attn", 256))
    e[f"{d}.iou_token.weight"] = (1, 256)
    e[f"{d}.mask_tokens.weight"] = (4, 256)
    e[f"{d}.output_upscaling.0.weight"] = (256, 64, 2, 2)
    e[f"{d}.output_upscaling.0.bias"] = (64,)
    e.update(norm(f"{d}.output_upscaling.1", 64))
    e[f"{d}.output_upscaling.3.weight"] = (64, 32, 2, 2)
    e[f"{d}.output_upscaling.3.bias"] = (32,)
    for i in range(4):
        e.update(mlp(f"{d}.output_hypernetworks_mlps.{i}", [256, 256, 256, 32]))
    e.update(mlp(f"{d}.iou_prediction_head", [256, 256, 256, 4]))
    return e


def sam_heads_layout() -> Layout:
    """SAM's prompt encoder and mask decoder (also MobileSAM's and MedSAM's)."""
    return {**prompt_encoder_layout("prompt_encoder"), **mask_decoder_layout("mask_decoder", False)}
