"""SAM 2.1's image path (Hiera encoder, FPN neck, prompt encoder, mask decoder), scriptable.

sambench's own implementation of what SAM 2.1's image predictor runs, written for
torch.jit.script on PyTorch 1.13 (textbook attention, no scaled_dot_product_attention).
Parameter names equal the official checkpoints' keys (sam2.1_hiera_*.pt, entry "model"), so
their image-path weights load strictly; the video-only weights are skipped by an explicit list
(VIDEO_ONLY_PREFIXES). The prompt encoder, the two-way transformer and the layers SAM also has
are sam_blocks.py's; this file holds what is SAM 2.1's own. export_sam.py builds, loads and
exports it:

  encode(x [B,3,1024,1024]) -> (image_embed [B,256,64,64] with the no-memory embedding added,
                                feat_s0 [B,32,256,256], feat_s1 [B,64,128,128])
  decode(image_embed [1,...], feat_s0 [1,...], feat_s1 [1,...], point_coords [B,N,2],
         point_labels [B,N], mask_input [B,1,256,256] or None)
      -> (low_res_logits [B,4,256,256], iou [B,4])

Slot 0 of decode is what the image predictor returns for one mask: token 0's mask unless its
stability score is below 0.98, then the multimask output with the highest predicted IoU.
Slots 1..3 are the multimask outputs. The caller pads the points (SAM 2.1 always appends the
(0,0)/-1 point, boxes go first as labels 2, 3) and maps them into the 1024x1024 input frame.
"""

from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sam_blocks import (Device, Float32LayerNorm, LayerNorm2d, MLP, MaskDecoderBase, PromptEncoder,
                        TwoWayTransformer, export_metadata, hypernetwork_mlps, noise, output_upscaling,
                        perturb_affine, scale_mask_logits, window_partition, window_unpartition)

IMAGE_SIZE = 1024
EMBEDDING_SIZE = 64  # the decoder's grid: stride 16
LOW_RES_SIZE = 256
PROMPT_DIM = 256
NUM_MASK_OUTPUTS = 4
PIXEL_MEAN = [0.485, 0.456, 0.406]  # ImageNet, for pixels scaled to [0, 1]
PIXEL_STD = [0.229, 0.224, 0.225]
MASK_THRESHOLD = 0.0
STABILITY_DELTA = 0.05  # the image predictor's dynamic single-mask choice
STABILITY_THRESH = 0.98
# The metadata's values of SAM 2.1 (sam_blocks.export_metadata).
METADATA_CONSTANTS = dict(image_size=IMAGE_SIZE, embedding_size=EMBEDDING_SIZE, low_res_size=LOW_RES_SIZE,
                          pixel_mean=PIXEL_MEAN, pixel_std=PIXEL_STD, mask_threshold=MASK_THRESHOLD,
                          num_mask_outputs=NUM_MASK_OUTPUTS)

# Trunk sizes from the official sam2.1_hiera_{t,s,b+,l}.yaml; what a config leaves out is the
# Hiera default (stages 2,3,16,3; global blocks 12,16,20; background 14x14; windows 8,4,14,7).
MODEL_CONFIGS: Dict[str, Dict] = {
    "sam2.1_hiera_tiny": dict(embed_dim=96, num_heads=1, stages=(1, 2, 7, 2),
                              global_att_blocks=(5, 7, 9), pos_embed_size=(7, 7),
                              window_spec=(8, 4, 14, 7)),
    "sam2.1_hiera_small": dict(embed_dim=96, num_heads=1, stages=(1, 2, 11, 2),
                               global_att_blocks=(7, 10, 13), pos_embed_size=(7, 7),
                               window_spec=(8, 4, 14, 7)),
    "sam2.1_hiera_base_plus": dict(embed_dim=112, num_heads=2, stages=(2, 3, 16, 3),
                                   global_att_blocks=(12, 16, 20), pos_embed_size=(14, 14),
                                   window_spec=(8, 4, 14, 7)),
    "sam2.1_hiera_large": dict(embed_dim=144, num_heads=2, stages=(2, 6, 36, 4),
                               global_att_blocks=(23, 33, 43), pos_embed_size=(7, 7),
                               window_spec=(8, 4, 16, 8)),
}

# Checkpoint entries that only video tracking uses (memory attention and encoder, object
# pointers, memory position encodings). The image path never reads them; any other key that
# the model lacks is an error.
VIDEO_ONLY_PREFIXES = (
    "memory_attention.", "memory_encoder.", "maskmem_tpos_enc", "no_mem_pos_enc",
    "no_obj_ptr", "no_obj_embed_spatial", "obj_ptr_proj.", "obj_ptr_tpos_proj.",
    "mask_downsample.",
)

# The model profile (see docs/model.md): how sambench prepares inputs and reads outputs.
PROFILE = {
    "name": "sam2", "resize": "square", "resize_filter": "torch_bilinear_aa",
    "normalization": "mean_std", "value_range": 1, "upscale": "direct",
    "input_size": IMAGE_SIZE, "prompt": "point", "mask_output": "multimask",
    "pad_point": "always", "box_position": "first",
}


# --------------------------------------------------------------------------
# Hiera trunk
# --------------------------------------------------------------------------


def max_pool_nhwc(x: Tensor, stride: int) -> Tensor:
    """2-D max pooling (kernel = stride) of a [B,H,W,C] tensor."""
    x = F.max_pool2d(x.permute(0, 3, 1, 2), kernel_size=stride, stride=stride)
    return x.permute(0, 2, 3, 1)


class MultiScaleAttention(nn.Module):
    """Self-attention over a [B,H,W,C] grid (or window); with q_stride > 0 the queries are
    max-pooled first, which halves the grid at a stage change."""

    def __init__(self, dim: int, dim_out: int, num_heads: int, q_stride: int,
                 device: Device = None) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_stride = q_stride
        self.scale = (dim_out // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim_out * 3, device=device)
        self.proj = nn.Linear(dim_out, dim_out, device=device)

    def forward(self, x: Tensor) -> Tensor:
        b, h, w = x.shape[0], x.shape[1], x.shape[2]
        qkv = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]  # [B, HW, heads, hd]
        if self.q_stride > 0:
            q = max_pool_nhwc(q.reshape(b, h, w, -1), self.q_stride)
            h, w = q.shape[1], q.shape[2]
            q = q.reshape(b, h * w, self.num_heads, -1)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(b, h, w, -1)
        return self.proj(x)


class MultiScaleBlock(nn.Module):
    """Pre-norm Hiera block: (windowed) attention, then an MLP. The first block of a stage
    widens the channels (proj on the shortcut) and, with q_stride, halves the grid."""

    def __init__(self, dim: int, dim_out: int, num_heads: int, window_size: int,
                 q_stride: int, device: Device = None) -> None:
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.window_size = window_size
        self.q_stride = q_stride
        self.norm1 = Float32LayerNorm(dim, eps=1e-6, device=device)
        self.attn = MultiScaleAttention(dim, dim_out, num_heads, q_stride, device=device)
        self.norm2 = Float32LayerNorm(dim_out, eps=1e-6, device=device)
        self.mlp = MLP(dim_out, 4 * dim_out, dim_out, 2, gelu=True, device=device)
        # Identity (no parameters) where the width stays, as the official block has no proj there.
        self.proj = nn.Linear(dim, dim_out, device=device) if dim != dim_out else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.dim != self.dim_out:
            shortcut = self.proj(x)
            if self.q_stride > 0:
                shortcut = max_pool_nhwc(shortcut, self.q_stride)
        ws = self.window_size
        if ws > 0:
            h, w = x.shape[1], x.shape[2]
            x, hp, wp = window_partition(x, ws)
            x = self.attn(x)
            if self.q_stride > 0:  # the pooled windows are smaller, and so is the grid
                ws = ws // self.q_stride
                h, w = shortcut.shape[1], shortcut.shape[2]
                hp, wp = h + (ws - h % ws) % ws, w + (ws - w % ws) % ws
            x = window_unpartition(x, ws, hp, wp, h, w)
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, embed_dim: int, device: Device = None) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=7, stride=4, padding=3, device=device)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).permute(0, 2, 3, 1)  # NCHW -> NHWC


class Hiera(nn.Module):
    """Hierarchical ViT trunk: four stages at strides 4, 8, 16, 32; returns each stage's output
    (NCHW), highest resolution first."""

    def __init__(self, embed_dim: int, num_heads: int, stages: Tuple[int, ...],
                 global_att_blocks: Tuple[int, ...], pos_embed_size: Tuple[int, int],
                 window_spec: Tuple[int, ...], device: Device = None) -> None:
        super().__init__()
        stage_ends = [sum(stages[:i]) - 1 for i in range(1, len(stages) + 1)]
        pool_blocks = [end + 1 for end in stage_ends[:-1]]
        self.stage_ends = stage_ends
        self.patch_embed = PatchEmbed(embed_dim, device=device)
        # Windowed positional embedding: a background interpolated to the grid plus one
        # window's embedding tiled over it.
        self.pos_embed = nn.Parameter(torch.zeros(1, embed_dim, pos_embed_size[0], pos_embed_size[1],
                                                  device=device))
        self.pos_embed_window = nn.Parameter(
            torch.zeros(1, embed_dim, window_spec[0], window_spec[0], device=device))
        blocks = []
        stage = 0
        dim = embed_dim
        for i in range(sum(stages)):
            # A stage's first block still windows at the previous stage's size (before pooling).
            window = 0 if i in global_att_blocks else window_spec[stage]
            dim_out = dim
            if i - 1 in stage_ends:
                dim_out = 2 * dim
                num_heads = 2 * num_heads
                stage += 1
            blocks.append(MultiScaleBlock(dim, dim_out, num_heads, window,
                                          2 if i in pool_blocks else 0, device=device))
            dim = dim_out
        self.blocks = nn.ModuleList(blocks)
        self.channel_list = [embed_dim * 2 ** s for s in range(len(stages))][::-1]

    def positional_embedding(self, h: int, w: int) -> Tensor:
        window = self.pos_embed_window
        pos = F.interpolate(self.pos_embed, size=[h, w], mode="bicubic")
        pos = pos + window.repeat(1, 1, h // window.shape[2], w // window.shape[3])
        return pos.permute(0, 2, 3, 1)

    def forward(self, x: Tensor) -> List[Tensor]:
        x = self.patch_embed(x)
        x = x + self.positional_embedding(x.shape[1], x.shape[2]).to(x.dtype)
        outputs: List[Tensor] = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.stage_ends:
                outputs.append(x.permute(0, 3, 1, 2))
        return outputs


class FpnLevel(nn.Module):
    """One lateral 1x1 conv of the neck (named convs.N.conv as in the checkpoints)."""

    def __init__(self, in_dim: int, device: Device = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_dim, PROMPT_DIM, kernel_size=1, device=device)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class FpnNeck(nn.Module):
    """Lateral 1x1 convs to 256 channels; the stride-16 level also gets the stride-32 level,
    nearest-upsampled (the official top-down levels 2 and 3). The stride-32 output itself is
    dropped (scalp 1), so the neck returns strides 4, 8, 16. The official neck also computes
    sine position encodings, which the image decoder does not use."""

    def __init__(self, channel_list: List[int], device: Device = None) -> None:
        super().__init__()
        # convs[0] takes the lowest resolution (widest) stage.
        self.convs = nn.ModuleList([FpnLevel(c, device=device) for c in channel_list])

    def forward(self, xs: List[Tensor]) -> Tuple[Tensor, Tensor, Tensor]:
        n = len(xs) - 1
        lateral: List[Tensor] = []
        for i, conv in enumerate(self.convs):
            lateral.append(conv(xs[n - i]))
        top = F.interpolate(lateral[0].float(), scale_factor=2.0, mode="nearest")
        s16 = lateral[1] + top.to(lateral[1].dtype)
        return lateral[3], lateral[2], s16


class ImageEncoder(nn.Module):
    def __init__(self, trunk: Hiera, device: Device = None) -> None:
        super().__init__()
        self.trunk = trunk
        self.neck = FpnNeck(trunk.channel_list, device=device)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        return self.neck(self.trunk(x))


# --------------------------------------------------------------------------
# Mask decoder (the two-way transformer and its steps are sam_blocks')
# --------------------------------------------------------------------------


class MaskDecoder(MaskDecoderBase):
    """SAM 2.1's decoder: SAM's two-way transformer (its token MLP named layers.0/1), an
    object-score token before SAM's tokens (its head is loaded but the image predictor ignores
    it), the stride-4/8 encoder features added while upscaling, and a sigmoid on the IoU head."""

    def __init__(self, device: Device = None) -> None:
        super().__init__()
        dim = PROMPT_DIM
        self.num_mask_tokens = NUM_MASK_OUTPUTS
        self.transformer = TwoWayTransformer(layered_mlp=True, device=device)
        self.iou_token = nn.Embedding(1, dim, device=device)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, dim, device=device)
        self.obj_score_token = nn.Embedding(1, dim, device=device)
        self.output_upscaling = output_upscaling(dim, device=device)
        self.conv_s0 = nn.Conv2d(dim, dim // 8, kernel_size=1, device=device)
        self.conv_s1 = nn.Conv2d(dim, dim // 4, kernel_size=1, device=device)
        self.output_hypernetworks_mlps = hypernetwork_mlps(dim, self.num_mask_tokens, device=device)
        self.iou_prediction_head = MLP(dim, 256, self.num_mask_tokens, 3, sigmoid_output=True,
                                       device=device)
        self.pred_obj_score_head = MLP(dim, dim, 1, 3, device=device)
        self.stability_delta = STABILITY_DELTA
        self.stability_thresh = STABILITY_THRESH

    def upscale(self, src: Tensor, feat_s0: Tensor, feat_s1: Tensor) -> Tensor:
        up = self.output_upscaling
        x = up[2](up[1](up[0](src) + feat_s1))
        return up[4](up[3](x) + feat_s0)

    def forward(self, image_embed: Tensor, feat_s0: Tensor, feat_s1: Tensor, image_pe: Tensor,
                sparse: Tensor, dense: Tensor) -> Tuple[Tensor, Tensor]:
        """All four mask tokens' logits [B,4,256,256] and IoU scores [B,4], before the
        single-mask choice."""
        output_tokens = torch.cat(
            [self.obj_score_token.weight, self.iou_token.weight, self.mask_tokens.weight], dim=0)
        hs, src = self.attend(output_tokens, image_embed, image_pe, sparse, dense)
        iou_token_out = hs[:, 1, :]
        mask_tokens_out = hs[:, 2:2 + self.num_mask_tokens, :]
        masks = self.mask_logits(mask_tokens_out, self.upscale(src, feat_s0, feat_s1))
        return masks, self.iou_prediction_head(iou_token_out)


    def stability_scores(self, logits: Tensor) -> Tensor:
        """[B,H,W] -> [B]: area above +delta over area above -delta (1 where both are empty)."""
        flat = logits.flatten(1)
        inner = (flat > self.stability_delta).sum(-1).float()
        outer = (flat > -self.stability_delta).sum(-1).float()
        return torch.where(outer > 0, inner / outer.clamp(min=1.0), torch.ones_like(outer))

    def choose_single_mask(self, masks: Tensor, iou: Tensor) -> Tuple[Tensor, Tensor]:
        """Slot 0 becomes the image predictor's single-mask answer: token 0 if it is stable,
        else the multimask output with the highest predicted IoU. Slots 1..3 stay."""
        best = 1 + torch.argmax(iou[:, 1:], dim=-1)
        rows = torch.arange(masks.shape[0], device=masks.device)
        stable = self.stability_scores(masks[:, 0]) >= self.stability_thresh
        single = torch.where(stable[:, None, None], masks[:, 0], masks[rows, best])
        single_iou = torch.where(stable, iou[:, 0], iou[rows, best])
        return (torch.cat([single.unsqueeze(1), masks[:, 1:]], dim=1),
                torch.cat([single_iou.unsqueeze(1), iou[:, 1:]], dim=1))


# --------------------------------------------------------------------------
# Whole model
# --------------------------------------------------------------------------


class Sam2Image(nn.Module):
    """SAM 2.1 in image mode, without pre/post-processing (the caller resizes and normalizes)."""

    def __init__(self, trunk: Hiera, device: Device = None) -> None:
        super().__init__()
        self.image_encoder = ImageEncoder(trunk, device=device)
        self.sam_prompt_encoder = PromptEncoder(device=device)
        self.sam_mask_decoder = MaskDecoder(device=device)
        self.no_mem_embed = nn.Parameter(torch.zeros(1, 1, PROMPT_DIM, device=device))

    def encode_one(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        s4, s8, s16 = self.image_encoder(x)
        # The decoder's high-resolution projections depend on the image only, so they are
        # part of the embedding (as the official forward_image precomputes them). They run in
        # their own dtype: sambench may cast the image encoder alone (model.precision).
        decoder = self.sam_mask_decoder
        feat_s0 = decoder.conv_s0(s4.to(decoder.conv_s0.weight.dtype)).to(s4.dtype)
        feat_s1 = decoder.conv_s1(s8.to(decoder.conv_s1.weight.dtype)).to(s8.dtype)
        image_embed = s16 + self.no_mem_embed.to(s16.dtype).reshape(1, -1, 1, 1)
        return image_embed, feat_s0, feat_s1

    @torch.jit.export
    def encode(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """x [B,3,1024,1024] resized and normalized -> (image_embed, feat_s0, feat_s1).

        On a CPU the images go through one at a time, so that an image's features never
        depend on its batch companions (a CPU BLAS gives other bits for other row counts)."""
        if x.device.type == "cpu" and x.shape[0] > 1:
            embeds: List[Tensor] = []
            s0s: List[Tensor] = []
            s1s: List[Tensor] = []
            for i in range(x.shape[0]):
                e, s0, s1 = self.encode_one(x[i:i + 1])
                embeds.append(e)
                s0s.append(s0)
                s1s.append(s1)
            return torch.cat(embeds), torch.cat(s0s), torch.cat(s1s)
        return self.encode_one(x)

    @torch.jit.export
    def decode(self, image_embed: Tensor, feat_s0: Tensor, feat_s1: Tensor, point_coords: Tensor,
               point_labels: Tensor, mask_input: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """One image's features and B prompts -> (low_res_logits [B,4,256,256], iou [B,4])."""
        dtype, device = image_embed.dtype, image_embed.device
        sparse = self.sam_prompt_encoder.embed_points(
            point_coords.to(device), point_labels.to(device)).to(dtype)
        if mask_input is not None:
            mask_input = mask_input.to(device)
        dense = self.sam_prompt_encoder.embed_masks(mask_input, sparse.shape[0], dtype)
        size = self.sam_prompt_encoder.embedding_size
        image_pe = self.sam_prompt_encoder.pe_layer.dense(size, size).to(dtype)
        masks, iou = self.sam_mask_decoder(image_embed, feat_s0, feat_s1, image_pe, sparse, dense)
        return self.sam_mask_decoder.choose_single_mask(masks, iou)

    def forward(self, x: Tensor, point_coords: Tensor, point_labels: Tensor,
                mask_input: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        image_embed, feat_s0, feat_s1 = self.encode(x)
        return self.decode(image_embed, feat_s0, feat_s1, point_coords, point_labels, mask_input)


def is_sam2(model_type: str) -> bool:
    return model_type in MODEL_CONFIGS


def build_sam2(model_type: str, device: Device = None) -> Sam2Image:
    """An eager model with PyTorch's default init; device=meta builds shapes only."""
    cfg = MODEL_CONFIGS[model_type]
    trunk = Hiera(cfg["embed_dim"], cfg["num_heads"], tuple(cfg["stages"]),
                  tuple(cfg["global_att_blocks"]), tuple(cfg["pos_embed_size"]),
                  tuple(cfg["window_spec"]), device=device)
    return Sam2Image(trunk, device=device).eval()


def perturb_constant_init(model: Sam2Image, seed: int) -> None:
    """Give the parameters that start constant (position embeddings, the no-memory embedding,
    norm affines) random values, so that a parity test sees how they are applied, and scale
    the mask logits to a few units so that the 0 threshold is not decided by rounding noise."""
    gen = torch.Generator().manual_seed(seed * 7919 + 29)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("pos_embed", "pos_embed_window")):
                p.add_(noise(gen, p, 0.05))
            elif name == "no_mem_embed":
                p.add_(noise(gen, p, 0.1))
    perturb_affine([m for m in model.modules() if isinstance(m, (nn.LayerNorm, LayerNorm2d))], gen)
    scale_mask_logits(model.sam_mask_decoder)


def build_random(model_type: str, seed: int) -> Sam2Image:
    """Deterministic random weights for (model_type, seed)."""
    torch.manual_seed(seed)
    model = build_sam2(model_type)
    perturb_constant_init(model, seed)
    return model


def image_path_state(checkpoint: Dict, path: str) -> Dict[str, Tensor]:
    """The image-path entries of an official SAM 2.1 checkpoint ({"model": state_dict}); the
    video-only entries (VIDEO_ONLY_PREFIXES) are dropped. Raises ValueError naming the file."""
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model"), dict):
        raise ValueError(f"{path}: expected a SAM 2.1 checkpoint (a dict with a 'model' state_dict)")
    return {k: v for k, v in checkpoint["model"].items() if not k.startswith(VIDEO_ONLY_PREFIXES)}


def make_metadata(model_type: str, checkpoint: Optional[str], checkpoint_sha256: Optional[str],
                  seed: Optional[int]) -> str:
    """sambench.json for a SAM 2.1 export: the SAM fields with SAM 2.1's values, and the profile."""
    return export_metadata(model_type, METADATA_CONSTANTS, PROFILE, "textbook", checkpoint, checkpoint_sha256, seed,
                           # encode returns these, in this order; decode takes them before the prompts.
                           extra={"embedding_tensors": ["image_embed", "feat_s0", "feat_s1"]})
