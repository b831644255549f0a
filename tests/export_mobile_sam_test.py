#!/usr/bin/python3
"""Tests for export_sam.py --model-type mobile_sam (plain Python; exits non-zero on failure).

The expected state_dict below is written out from the structure of the official MobileSAM
(TinyViT-5M as built for MobileSAM: stage widths 64/128/160/320, depths 2/2/6/2, heads
2/4/5/10, windows 7/7/14/7), independently of scripts/tiny_vit.py. The prompt encoder and mask
decoder are SAM's, whose expected layout export_checks.py writes out.

Run: /usr/bin/python3 tests/export_mobile_sam_test.py
"""

import os
import sys
import tempfile

import torch

import export_checks  # beside this file; puts scripts/ on the path
from export_checks import Layout, linear, norm, run_export
import export_sam

REPORT = export_checks.Report()
check = REPORT.check


def conv_bn(prefix: str, n_in: int, n_out: int, kernel: int, groups: int = 1) -> Layout:
    """A bias-free convolution `c` and its batch norm `bn` (with its running statistics)."""
    e: Layout = {f"{prefix}.c.weight": (n_out, n_in // groups, kernel, kernel)}
    for name in ("weight", "bias", "running_mean", "running_var"):
        e[f"{prefix}.bn.{name}"] = (n_out,)
    e[f"{prefix}.bn.num_batches_tracked"] = ()
    return e


def merge(prefix: str, n_in: int, n_out: int) -> Layout:
    """Patch merging: 1x1, 3x3 depthwise, 1x1."""
    return {**conv_bn(f"{prefix}.conv1", n_in, n_out, 1), **conv_bn(f"{prefix}.conv2", n_out, n_out, 3, n_out),
            **conv_bn(f"{prefix}.conv3", n_out, n_out, 1)}


def expected_encoder() -> Layout:
    p = "image_encoder"
    e: Layout = {}
    e.update(conv_bn(f"{p}.patch_embed.seq.0", 3, 32, 3))
    e.update(conv_bn(f"{p}.patch_embed.seq.2", 32, 64, 3))
    for j in range(2):  # stage 0: MBConv, expansion 4
        b = f"{p}.layers.0.blocks.{j}"
        e.update(conv_bn(f"{b}.conv1", 64, 256, 1))
        e.update(conv_bn(f"{b}.conv2", 256, 256, 3, 256))
        e.update(conv_bn(f"{b}.conv3", 256, 64, 1))
    e.update(merge(f"{p}.layers.0.downsample", 64, 128))
    stages = [(1, 128, 2, 4, 7, 160), (2, 160, 6, 5, 14, 320), (3, 320, 2, 10, 7, None)]
    for i, dim, depth, heads, window, out in stages:
        for j in range(depth):
            b = f"{p}.layers.{i}.blocks.{j}"
            # One bias per head and distinct (|dy|, |dx|) offset within a window: window^2 of them.
            e[f"{b}.attn.attention_biases"] = (heads, window * window)
            e.update(norm(f"{b}.attn.norm", dim))
            e.update(linear(f"{b}.attn.qkv", dim, 3 * dim))
            e.update(linear(f"{b}.attn.proj", dim, dim))
            e.update(norm(f"{b}.mlp.norm", dim))
            e.update(linear(f"{b}.mlp.fc1", dim, 4 * dim))
            e.update(linear(f"{b}.mlp.fc2", 4 * dim, dim))
            e.update(conv_bn(f"{b}.local_conv", dim, dim, 3, dim))
        if out is not None:
            e.update(merge(f"{p}.layers.{i}.downsample", dim, out))
    e.update(norm(f"{p}.norm_head", 320))  # the ImageNet head: in the checkpoint, never run
    e.update(linear(f"{p}.head", 320, 1000))
    e[f"{p}.neck.0.weight"] = (256, 320, 1, 1)
    e.update(norm(f"{p}.neck.1", 256))
    e[f"{p}.neck.2.weight"] = (256, 256, 3, 3)
    e.update(norm(f"{p}.neck.3", 256))
    return e


def expected_layout() -> Layout:
    return {**expected_encoder(), **export_checks.sam_heads_layout()}


def test_layout_and_scripting() -> None:
    model = export_sam.build_sam("mobile_sam", device=torch.device("meta"))
    want = expected_layout()
    export_checks.check_layout(REPORT, "mobile_sam", model, want)
    n_params = sum(p.numel() for p in model.parameters())
    n_layout = sum(torch.Size(s).numel() for k, s in want.items()
                   if not k.endswith(("positional_encoding_gaussian_matrix", "running_mean", "running_var",
                                      "num_batches_tracked")))
    check(f"mobile_sam: parameter count {n_params:,} equals the layout's", n_params == n_layout, f"{n_layout:,}")
    scripted = torch.jit.script(model)
    check("mobile_sam: scripted state_dict holds the same names (nothing derived is stored)",
          sorted(scripted.state_dict()) == sorted(want),
          f"{sorted(set(scripted.state_dict()) - set(want))[:3]}")


def test_random_init_is_seeded() -> None:
    a, b = export_sam.build_random("mobile_sam", 3), export_sam.build_random("mobile_sam", 3)
    c = export_sam.build_random("mobile_sam", 4)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    check("mobile_sam: same seed, same weights", all(torch.equal(sa[k], sb[k]) for k in sa))
    biases = "image_encoder.layers.2.blocks.0.attn.attention_biases"
    check("mobile_sam: another seed, other weights", not torch.equal(sa[biases], sc[biases]))
    constant = [k for k in sa if k.endswith(("attention_biases", "running_mean", "bn.weight", "neck.1.bias"))
                and sa[k].numel() > 1 and bool((sa[k] == sa[k].flatten()[0]).all())]
    check("mobile_sam: random init leaves no attention bias, batch norm or neck norm constant",
          not constant, f"{constant[:3]}")


def test_checkpoint_roundtrip(tmp: str) -> None:
    """A state_dict with the official names exports strictly; a wrong one is refused in one line."""
    state = export_sam.build_random("mobile_sam", 5).state_dict()
    ckpt, out = os.path.join(tmp, "mobile_sam.pth"), os.path.join(tmp, "mobile_sam.pt")
    torch.save(state, ckpt)
    r = run_export("--model-type", "mobile_sam", "--checkpoint", ckpt, "--output", out)
    check("export --model-type mobile_sam --checkpoint exits 0", r.returncode == 0, r.stderr[-500:])
    if r.returncode == 0:
        loaded = torch.jit.load(out).state_dict()
        check("exported module holds the checkpoint's tensors",
              set(loaded) == set(state) and all(torch.equal(loaded[k], state[k]) for k in state))
        meta = export_sam.read_metadata(out)
        check("metadata names mobile_sam and its 64x64 embedding",
              meta["model_type"] == "mobile_sam" and meta["embedding_size"] == 64 and meta["image_size"] == 1024,
              str(meta))
        export_checks.check_metadata_keys(REPORT, "mobile_sam", meta)
        # TinyViT's attention is its own (windows with a learned bias), not the ViT's --attention choice.
        check("metadata's encoder_attention names TinyViT's own attention", meta["encoder_attention"] == "tiny_vit",
              str(meta.get("encoder_attention")))
    del state["image_encoder.head.bias"]
    torch.save(state, ckpt)
    r = run_export("--model-type", "mobile_sam", "--checkpoint", ckpt, "--output", out + ".bad")
    msg = r.stderr.strip()
    check("a checkpoint missing a key is refused with one line naming it",
          r.returncode != 0 and msg.count("\n") == 0 and "image_encoder.head.bias" in msg, msg[-300:])
    r = run_export("--model-type", "mobile_sam", "--random-init", "--attention", "sdpa", "--output", out + ".bad")
    check("--attention is refused for mobile_sam", r.returncode != 0 and "mobile_sam has its own window attention" in r.stderr,
          r.stderr[-300:])


def main() -> int:
    torch.set_num_threads(2)
    test_layout_and_scripting()
    test_random_init_is_seeded()
    with tempfile.TemporaryDirectory() as tmp:
        test_checkpoint_roundtrip(tmp)
    return REPORT.finish()


if __name__ == "__main__":
    sys.exit(main())
