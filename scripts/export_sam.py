#!/usr/bin/python3
"""Build the Segment Anything Model (SAM) and export it as a TorchScript module.

This is sambench's own, TorchScript-friendly implementation of SAM. Its
parameter and buffer names equal the official checkpoints' state_dict keys, so
sam_vit_{h,l,b}_*.pth load with strict=True. The exported module has two
methods that the C++ harness calls:

  encode(x [B,3,1024,1024] normalized+padded) -> embeddings [B,256,64,64]
  decode(embeddings, point_coords [B,N,2], point_labels [B,N],
         mask_input [B,1,256,256] or None)
      -> (low_res_logits [B,4,256,256], iou_predictions [B,4])

SAM 2.1 (--model-type sam2.1_hiera_*) is built from scripts/sam2_image.py, whose encode
returns three feature tensors and whose decode takes them before the prompts.

Usage:
  export_sam.py --model-type {vit_h,vit_l,vit_b,medsam_vit_b,mobile_sam,small,sam2.1_hiera_tiny,
                              sam2.1_hiera_small,sam2.1_hiera_base_plus,sam2.1_hiera_large}
                (--checkpoint PATH | --random-init [--seed N])
                [--attention {textbook,sdpa}] --output OUT.pt
"""

import argparse
import collections
import hashlib
import inspect
import io
import json
import os
import pickle
import sys
import zipfile
from typing import Dict, List, Optional, Tuple, Type

# torch.jit.save writes each module's __constants__ in set order, which depends
# on Python's string-hash randomization. Re-run the script with a fixed hash
# seed (before importing torch, to keep it cheap) so the .pt is byte-identical.
if __name__ == "__main__" and os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
              dict(os.environ, PYTHONHASHSEED="0"))

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import sam2_image
import tiny_vit  # MobileSAM's image encoder, beside this file
from sam_blocks import (Device, Float32LayerNorm, LayerNorm2d, MLP, MLPBlock, MaskDecoderBase, PromptEncoder,
                        TwoWayTransformer, export_metadata, hypernetwork_mlps, noise, output_upscaling,
                        perturb_affine, scale_mask_logits, window_partition, window_unpartition)

IMAGE_SIZE = 1024
PATCH_SIZE = 16
EMBEDDING_SIZE = IMAGE_SIZE // PATCH_SIZE  # 64
LOW_RES_SIZE = 4 * EMBEDDING_SIZE  # 256
PROMPT_DIM = 256
NUM_MASK_OUTPUTS = 4  # single-mask token + 3 multimask tokens
PIXEL_MEAN = [123.675, 116.28, 103.53]
PIXEL_STD = [58.395, 57.12, 57.375]
MASK_THRESHOLD = 0.0
# The metadata's values of SAM's family (sam_blocks.export_metadata).
METADATA_CONSTANTS = dict(image_size=IMAGE_SIZE, embedding_size=EMBEDDING_SIZE, low_res_size=LOW_RES_SIZE,
                          pixel_mean=PIXEL_MEAN, pixel_std=PIXEL_STD, mask_threshold=MASK_THRESHOLD,
                          num_mask_outputs=NUM_MASK_OUTPUTS)

# Each model's own pipeline around the network ("profile" in the metadata, read by sambench's
# model_profile.h): how its official code resizes and normalizes an image, returns the logits to
# the image, and which prompt and mask output it was trained for.
PROFILES: Dict[str, Dict] = {
    "sam": dict(name="sam", resize="longest_side", resize_filter="pil_bilinear", normalization="mean_std",
                value_range=255, upscale="via_input", input_size=IMAGE_SIZE, prompt="point",
                mask_output="multimask", pad_point="without_box", box_position="last"),
    # MedSAM_Inference.py: skimage resize to 1024 x 1024 (order 3, anti-aliased, back to uint8),
    # per-image min-max to [0, 1], a box prompt, the single-mask output, and the sigmoid of the
    # logits resized straight to H x W, thresholded at 0.5.
    "medsam": dict(name="medsam", resize="square", resize_filter="skimage_cubic_aa_uint8",
                   normalization="min_max", value_range=255, upscale="direct_sigmoid", input_size=IMAGE_SIZE,
                   prompt="box", mask_output="single", pad_point="without_box", box_position="last"),
}

# Encoder configurations and profiles. Everything not listed is shared by all types.
MODEL_CONFIGS: Dict[str, Dict] = {
    "vit_h": dict(embed_dim=1280, depth=32, num_heads=16, global_attn_indexes=(7, 15, 23, 31), profile="sam"),
    "vit_l": dict(embed_dim=1024, depth=24, num_heads=16, global_attn_indexes=(5, 11, 17, 23), profile="sam"),
    "vit_b": dict(embed_dim=768, depth=12, num_heads=12, global_attn_indexes=(2, 5, 8, 11), profile="sam"),
    # MedSAM (medsam_vit_b.pth): SAM's ViT-B network with other weights and its own pipeline.
    "medsam_vit_b": dict(embed_dim=768, depth=12, num_heads=12, global_attn_indexes=(2, 5, 8, 11),
                         profile="medsam"),
    # Tiny encoder for tests; decoder and prompt encoder are full size.
    "small": dict(embed_dim=96, depth=2, num_heads=2, global_attn_indexes=(1,), profile="sam"),
    # MobileSAM: SAM's prompt encoder and mask decoder behind a TinyViT-5M (scripts/tiny_vit.py).
    "mobile_sam": dict(encoder="tiny_vit", profile="sam"),
}


# --------------------------------------------------------------------------
# Image encoder (ViTDet-style ViT)
# --------------------------------------------------------------------------


def relative_position_table(size: int, rel_pos: Tensor) -> Tensor:
    """Gather rel_pos [2*size-1, C] into [size, size, C]; entry [i, j] is for offset i-j.

    Queries and keys always have the same extent here (14x14 windows or the full
    64x64 grid), so the official resize/rescale branch for unequal sizes is not
    needed."""
    idx = torch.arange(size, device=rel_pos.device)
    offsets = idx[:, None] - idx[None, :] + (size - 1)
    return rel_pos[offsets]


def add_decomposed_rel_pos(attn: Tensor, q: Tensor, rel_pos_h: Tensor, rel_pos_w: Tensor,
                           h: int, w: int) -> Tensor:
    """Add MViTv2 decomposed relative position terms to attn [B, h*w, h*w]."""
    rh = relative_position_table(h, rel_pos_h)  # [h, h, C]
    rw = relative_position_table(w, rel_pos_w)  # [w, w, C]
    b, dim = q.shape[0], q.shape[2]
    r_q = q.reshape(b, h, w, dim)
    rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, rh)
    rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, rw)
    attn = attn.view(b, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]
    return attn.view(b, h * w, h * w)


class PatchEmbed(nn.Module):
    def __init__(self, embed_dim: int, device: Device = None) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=PATCH_SIZE, stride=PATCH_SIZE,
                              device=device)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).permute(0, 2, 3, 1)  # NCHW -> NHWC tokens


def decomposed_rel_pos_bias(q: Tensor, rel_pos_h: Tensor, rel_pos_w: Tensor, h: int, w: int) -> Tensor:
    """The MViTv2 decomposed relative position terms alone, [B, h*w, h*w]: what
    add_decomposed_rel_pos adds, as an additive attention mask."""
    rh = relative_position_table(h, rel_pos_h)
    rw = relative_position_table(w, rel_pos_w)
    b, dim = q.shape[0], q.shape[2]
    r_q = q.reshape(b, h, w, dim)
    rel_h = torch.einsum("bhwc,hkc->bhwk", r_q, rh)
    rel_w = torch.einsum("bhwc,wkc->bhwk", r_q, rw)
    return (rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).reshape(b, h * w, h * w)


class EncoderAttention(nn.Module):
    """Multi-head self-attention over a [B,H,W,C] grid with relative positions.

    The textbook form: scores, relative-position terms, softmax, weighted sum."""

    def __init__(self, dim: int, num_heads: int, grid: int, device: Device = None) -> None:
        super().__init__()
        head_dim = dim // num_heads
        self.num_heads = num_heads
        self.scale = head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True, device=device)
        self.proj = nn.Linear(dim, dim, device=device)
        # Official init is zeros; names and shapes follow the checkpoints.
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * grid - 1, head_dim, device=device))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * grid - 1, head_dim, device=device))

    def forward(self, x: Tensor) -> Tensor:
        b, h, w = x.shape[0], x.shape[1], x.shape[2]
        assert self.rel_pos_h.shape[0] == 2 * h - 1 and self.rel_pos_w.shape[0] == 2 * w - 1, \
            "input grid does not match the relative position tables (input must be 1024x1024)"
        # [B, HW, 3, heads, hd] -> [3, B*heads, HW, hd]
        qkv = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        qkv = qkv.reshape(3, b * self.num_heads, h * w, -1)
        q, k, v = qkv[0], qkv[1], qkv[2]
        x = self.attend(q, k, v, h, w).view(b, self.num_heads, h, w, -1).permute(0, 2, 3, 1, 4)
        return self.proj(x.reshape(b, h, w, -1))

    def attend(self, q: Tensor, k: Tensor, v: Tensor, h: int, w: int) -> Tensor:
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = add_decomposed_rel_pos(attn, q, self.rel_pos_h, self.rel_pos_w, h, w)
        return attn.softmax(dim=-1) @ v


class FusedEncoderAttention(EncoderAttention):
    """The same attention through F.scaled_dot_product_attention (PyTorch 2.0 and later), the
    relative-position terms passed as its additive mask, so that a GPU can run a fused kernel
    instead of writing out the [B*heads, HW, HW] scores. Its default scale is head_dim ** -0.5,
    the textbook form's. Only scripted when chosen (--attention sdpa): older PyTorch lacks the op."""

    def attend(self, q: Tensor, k: Tensor, v: Tensor, h: int, w: int) -> Tensor:
        bias = decomposed_rel_pos_bias(q, self.rel_pos_h, self.rel_pos_w, h, w)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)


ATTENTIONS: Dict[str, Type[EncoderAttention]] = {"textbook": EncoderAttention, "sdpa": FusedEncoderAttention}


def sdpa_available() -> bool:
    return hasattr(F, "scaled_dot_product_attention")


class EncoderBlock(nn.Module):
    """Pre-norm transformer block; window_size 0 means global attention."""

    def __init__(self, dim: int, num_heads: int, window_size: int, device: Device = None,
                 attention: str = "textbook") -> None:
        super().__init__()
        grid = window_size if window_size > 0 else EMBEDDING_SIZE
        self.norm1 = Float32LayerNorm(dim, eps=1e-6, device=device)
        self.attn = ATTENTIONS[attention](dim, num_heads, grid, device=device)
        self.norm2 = Float32LayerNorm(dim, eps=1e-6, device=device)
        self.mlp = MLPBlock(dim, 4 * dim, nn.GELU, device=device)
        self.window_size = window_size

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window_size > 0:
            h, w = x.shape[1], x.shape[2]
            windows, hp, wp = window_partition(x, self.window_size)
            x = window_unpartition(self.attn(windows), self.window_size, hp, wp, h, w)
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class ImageEncoderViT(nn.Module):
    def __init__(self, embed_dim: int, depth: int, num_heads: int,
                 global_attn_indexes: Tuple[int, ...], window_size: int = 14,
                 device: Device = None, attention: str = "textbook") -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(embed_dim, device=device)
        self.pos_embed = nn.Parameter(
            torch.zeros(1, EMBEDDING_SIZE, EMBEDDING_SIZE, embed_dim, device=device))
        self.blocks = nn.ModuleList([
            EncoderBlock(embed_dim, num_heads,
                         0 if i in global_attn_indexes else window_size, device=device,
                         attention=attention)
            for i in range(depth)
        ])
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dim, PROMPT_DIM, kernel_size=1, bias=False, device=device),
            LayerNorm2d(PROMPT_DIM, device=device),
            nn.Conv2d(PROMPT_DIM, PROMPT_DIM, kernel_size=3, padding=1, bias=False, device=device),
            LayerNorm2d(PROMPT_DIM, device=device),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.patch_embed(x) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.neck(x.permute(0, 3, 1, 2))



# --------------------------------------------------------------------------
# Mask decoder (the two-way transformer and its steps are sam_blocks')
# --------------------------------------------------------------------------


class MaskDecoder(MaskDecoderBase):
    def __init__(self, dim: int = PROMPT_DIM, num_multimask_outputs: int = 3,
                 device: Device = None) -> None:
        super().__init__()
        self.num_mask_tokens = num_multimask_outputs + 1
        self.transformer = TwoWayTransformer(dim=dim, device=device)
        self.iou_token = nn.Embedding(1, dim, device=device)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, dim, device=device)
        self.output_upscaling = output_upscaling(dim, device=device)
        self.output_hypernetworks_mlps = hypernetwork_mlps(dim, self.num_mask_tokens, device=device)
        self.iou_prediction_head = MLP(dim, 256, self.num_mask_tokens, 3, device=device)

    def forward(self, image_embeddings: Tensor, image_pe: Tensor, sparse: Tensor,
                dense: Tensor) -> Tuple[Tensor, Tensor]:
        """Returns ALL mask tokens' logits [B,4,256,256] and IoU scores [B,4]."""
        output_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        hs, src = self.attend(output_tokens, image_embeddings, image_pe, sparse, dense)
        iou_token_out = hs[:, 0, :]
        mask_tokens_out = hs[:, 1:1 + self.num_mask_tokens, :]
        masks = self.mask_logits(mask_tokens_out, self.output_upscaling(src))
        return masks, self.iou_prediction_head(iou_token_out)



# --------------------------------------------------------------------------
# Whole model
# --------------------------------------------------------------------------


class Sam(nn.Module):
    """SAM without pre/post-processing; the caller normalizes, pads and resizes."""

    def __init__(self, encoder: nn.Module, device: Device = None) -> None:
        super().__init__()
        self.image_encoder = encoder
        self.prompt_encoder = PromptEncoder(device=device)
        self.mask_decoder = MaskDecoder(device=device)

    @torch.jit.export
    def encode(self, x: Tensor) -> Tensor:
        """x [B,3,1024,1024] normalized and zero-padded -> [B,256,64,64].

        On a CPU the images go through one at a time: a CPU BLAS gives a matrix row other
        bits when the call holds more rows (measured with OpenBLAS: the last rows of an
        image's 4096 differ), and a batch gains nothing there, while each image's embedding
        must not depend on its companions. A GPU takes the batch in one pass."""
        if x.device.type == "cpu" and x.shape[0] > 1:
            return torch.cat([self.image_encoder(x[i:i + 1]) for i in range(x.shape[0])])
        return self.image_encoder(x)

    @torch.jit.export
    def decode(self, image_embeddings: Tensor, point_coords: Tensor, point_labels: Tensor,
               mask_input: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """Prompts -> (low_res_logits [B,4,256,256], iou_predictions [B,4]).

        point_coords [B,N,2] are (x,y) in the 1024-resized frame, already padded
        by the caller; labels: 1 pos, 0 neg, -1 pad, 2/3 box corners."""
        dtype, device = image_embeddings.dtype, image_embeddings.device
        # Prompts may come from the host; run everything where the embeddings are.
        sparse = self.prompt_encoder.embed_points(
            point_coords.to(device), point_labels.to(device)).to(dtype)
        if mask_input is not None:
            mask_input = mask_input.to(device)
        dense = self.prompt_encoder.embed_masks(mask_input, sparse.shape[0], dtype)
        size = self.prompt_encoder.embedding_size
        image_pe = self.prompt_encoder.pe_layer.dense(size, size).to(dtype)
        return self.mask_decoder(image_embeddings, image_pe, sparse, dense)

    def forward(self, x: Tensor, point_coords: Tensor, point_labels: Tensor,
                mask_input: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        return self.decode(self.encode(x), point_coords, point_labels, mask_input)


def build_sam(model_type: str, device: Device = None, attention: str = "textbook") -> Sam:
    """Build an eager SAM with PyTorch's default init (what the official code does).

    device=torch.device("meta") builds shapes only, with no memory or init cost.
    attention: "textbook" or "sdpa" (same parameters, so either loads any checkpoint)."""
    if model_type not in MODEL_CONFIGS:
        raise ValueError(f"unknown model type {model_type!r}; expected one of {sorted(MODEL_CONFIGS)}")
    cfg = MODEL_CONFIGS[model_type]
    if cfg.get("encoder") == "tiny_vit":
        return Sam(tiny_vit.TinyViT(device=device), device=device).eval()
    encoder = ImageEncoderViT(cfg["embed_dim"], cfg["depth"], cfg["num_heads"],
                              tuple(cfg["global_attn_indexes"]), device=device, attention=attention)
    return Sam(encoder, device=device).eval()


def affine_norms(model: Sam) -> List[nn.Module]:
    """The layer norms whose affine parameters start at 1/0, in module order. A TinyViT's channel
    norms are left out: tiny_vit.perturb_constant_init draws theirs later, with its batch norms,
    and the seeded weights of every export depend on the order of the draws."""
    tiny = model.image_encoder if isinstance(model.image_encoder, tiny_vit.TinyViT) else None
    tiny_channel_norms = {id(m) for m in tiny.modules() if isinstance(m, LayerNorm2d)} if tiny else set()
    return [m for m in model.modules()
            if isinstance(m, (nn.LayerNorm, LayerNorm2d)) and id(m) not in tiny_channel_norms]


def perturb_constant_init(model: Sam, seed: int) -> None:
    """Give parameters that the official init leaves constant some random values.

    pos_embed and rel_pos start at zero and LayerNorm affine params at 1/0; a
    parity test with those values could not see bugs in how they are applied."""
    gen = torch.Generator().manual_seed(seed * 7919 + 17)  # independent of the init stream
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("pos_embed"):
                p.add_(noise(gen, p, 0.05))
            elif name.endswith(("rel_pos_h", "rel_pos_w")):
                p.add_(noise(gen, p, 0.1))
    perturb_affine(affine_norms(model), gen)
    scale_mask_logits(model.mask_decoder)
    if isinstance(model.image_encoder, tiny_vit.TinyViT):
        tiny_vit.perturb_constant_init(model.image_encoder, gen)


def build_random(model_type: str, seed: int, attention: str = "textbook") -> Sam:
    """Deterministic random weights for a given (model_type, seed), whatever the attention."""
    torch.manual_seed(seed)
    model = build_sam(model_type, attention=attention)
    perturb_constant_init(model, seed)
    return model


_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool,
}


def _rebuild_tensor(storage: Tensor, offset: int, size, stride, *_unused) -> Tensor:
    return storage.as_strided(size, stride, offset)


def _rebuild_parameter(data: Tensor, *_unused) -> Tensor:
    return data


class _TensorsOnlyUnpickler(pickle.Unpickler):
    """Reads the data.pkl of a torch.save zip file, for a PyTorch without weights_only. A .pth is a
    pickle: unpickled as it is, it can call any function it names (os.system included). This one
    knows dicts, tensors and their storages, and refuses every other global."""

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(file)
        self.archive, self.prefix = archive, prefix

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"global '{module}.{name}' is not a tensor or a dict")

    def persistent_load(self, saved_id):
        if not (isinstance(saved_id, tuple) and len(saved_id) == 5 and saved_id[0] == "storage"
                and isinstance(saved_id[1], torch.dtype)):
            raise pickle.UnpicklingError("unexpected persistent id")
        _, dtype, key, _location, _numel = saved_id
        data = bytearray(self.archive.read(f"{self.prefix}data/{key}"))
        return torch.frombuffer(data, dtype=dtype) if data else torch.empty(0, dtype=dtype)


def _load_tensors_only(path: str):
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if not pickles:
            raise pickle.UnpicklingError("not a torch.save zip file")
        prefix = pickles[0][: -len("data.pkl")]
        with archive.open(pickles[0]) as f:
            return _TensorsOnlyUnpickler(io.BytesIO(f.read()), archive, prefix).load()


def load_tensors(path: str, weights_only: Optional[bool] = None):
    """The checkpoint's state_dict, read without running code from it: torch.load with
    weights_only=True where this PyTorch has it, else through _TensorsOnlyUnpickler."""
    if weights_only is None:
        weights_only = "weights_only" in inspect.signature(torch.load).parameters
    try:
        if weights_only:
            return torch.load(path, map_location="cpu", weights_only=True)
        return _load_tensors_only(path)
    except (pickle.UnpicklingError, zipfile.BadZipFile) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        sys.exit(f"error: {path}: refusing to load: the checkpoint holds more than tensors ({first[:200]})")


def load_checkpoint(model: nn.Module, model_type: str, path: str) -> None:
    """Strict load of an official-layout state_dict; exits with one clear line on mismatch.
    A SAM 2.1 checkpoint holds it under "model", with video-only entries that are skipped."""
    state = load_tensors(path)
    if sam2_image.is_sam2(model_type):
        try:
            state = sam2_image.image_path_state(state, path)
        except ValueError as e:
            sys.exit(f"error: {e}")
    if not isinstance(state, dict):
        sys.exit(f"error: {path}: expected a state_dict (dict), got {type(state).__name__}")
    expected = set(model.state_dict().keys())
    got = set(state.keys())
    missing = sorted(expected - got)
    unexpected = sorted(got - expected)
    if missing or unexpected:
        sys.exit(f"error: {path} does not match the {model_type} layout: "
                 f"{len(missing)} missing keys {missing[:3]}, "
                 f"{len(unexpected)} unexpected keys {unexpected[:3]}")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:  # shape mismatches
        lines = [ln.strip() for ln in str(e).splitlines() if "size mismatch" in ln]
        sys.exit(f"error: {path} does not match the {model_type} layout: "
                 f"{len(lines)} shape mismatches, e.g. {lines[:2]}")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def encoder_attention(model_type: str, attention: str) -> str:
    """The metadata's encoder_attention: a ViT's --attention choice; MobileSAM's TinyViT has
    its own windowed attention with a learned bias per offset, which --attention does not choose."""
    return "tiny_vit" if MODEL_CONFIGS[model_type].get("encoder") == "tiny_vit" else attention


def make_metadata(model_type: str, checkpoint: Optional[str], seed: Optional[int],
                  attention: str = "textbook") -> str:
    return export_metadata(model_type, METADATA_CONSTANTS, PROFILES[MODEL_CONFIGS[model_type]["profile"]],
                           encoder_attention(model_type, attention), checkpoint,
                           sha256_file(checkpoint) if checkpoint else None, seed)


def read_metadata(path: str) -> Dict:
    """Read sambench.json from an exported .pt without keeping the module."""
    extra = {"sambench.json": ""}
    torch.jit.load(path, map_location="cpu", _extra_files=extra)
    return json.loads(extra["sambench.json"])


def export(model: nn.Module, output: str, metadata: str) -> None:
    scripted = torch.jit.script(model.eval())
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    torch.jit.save(scripted, output, _extra_files={"sambench.json": metadata})


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Export SAM as a TorchScript module for sambench.")
    p.add_argument("--model-type", required=True,
                   choices=sorted(MODEL_CONFIGS) + sorted(sam2_image.MODEL_CONFIGS))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="official SAM state_dict (.pth) or SAM 2.1 checkpoint (.pt)")
    src.add_argument("--random-init", action="store_true", help="seeded random weights")
    p.add_argument("--seed", type=int, help="seed for --random-init (default 0)")
    p.add_argument("--attention", choices=sorted(ATTENTIONS), default="textbook",
                   help="the image encoder's attention: textbook (any PyTorch) or sdpa "
                        "(F.scaled_dot_product_attention, PyTorch 2.0 and later)")
    p.add_argument("--output", required=True, help="output TorchScript file (.pt)")
    args = p.parse_args(argv)
    if args.attention == "sdpa" and sam2_image.is_sam2(args.model_type):
        p.error("--attention sdpa is for SAM; SAM 2.1 exports use textbook attention")
    if args.attention != "textbook" and MODEL_CONFIGS.get(args.model_type, {}).get("encoder") == "tiny_vit":
        p.error(f"--attention only applies to ViT encoders; {args.model_type} has its own window attention")
    if args.attention == "sdpa" and not sdpa_available():
        p.error(f"--attention sdpa needs PyTorch 2.0 or later (this one is {torch.__version__}): "
                "torch.nn.functional has no scaled_dot_product_attention; use --attention textbook")
    if args.seed is not None and args.checkpoint:
        p.error("--seed only applies to --random-init")
    if args.seed is None:
        args.seed = 0
    return args


def export_sam2(args: argparse.Namespace) -> nn.Module:
    if args.checkpoint:
        model = sam2_image.build_sam2(args.model_type, device=torch.device("meta")).to_empty(device="cpu")
        load_checkpoint(model, args.model_type, args.checkpoint)
        meta = sam2_image.make_metadata(args.model_type, args.checkpoint,
                                        sha256_file(args.checkpoint), None)
    else:
        model = sam2_image.build_random(args.model_type, args.seed)
        meta = sam2_image.make_metadata(args.model_type, None, None, args.seed)
    export(model, args.output, meta)
    return model


def report_export(model: nn.Module, args: argparse.Namespace) -> int:
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.output} model_type={args.model_type} params={n_params} "
          f"sha256={sha256_file(args.output)}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if sam2_image.is_sam2(args.model_type):
        return report_export(export_sam2(args), args)
    if args.checkpoint:
        # Skip the random init (slow for vit_h): allocate uninitialized storage;
        # the strict load then overwrites every parameter and buffer.
        model = build_sam(args.model_type, device=torch.device("meta"),
                          attention=args.attention).to_empty(device="cpu")
        load_checkpoint(model, args.model_type, args.checkpoint)
        seed = None
    else:
        model = build_random(args.model_type, args.seed, args.attention)
        seed = args.seed
    export(model, args.output, make_metadata(args.model_type, args.checkpoint, seed, args.attention))
    return report_export(model, args)


if __name__ == "__main__":
    sys.exit(main())
