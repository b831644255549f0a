"""The layers that SAM, MobileSAM and SAM 2.1 share, written for torch.jit.script, the
helpers of their seeded random init, and the builder of every export's sambench.json.

Imported by export_sam.py (SAM's ViT encoder, prompt encoder and mask decoder), tiny_vit.py
(MobileSAM's encoder) and sam2_image.py (SAM 2.1's image path); it imports none of them.
Every class keeps the official parameter names, and each constructor creates its parameters in
the official order: a seeded --random-init draws PyTorch's default init in creation order, so
the order decides the exported weights (the golden regression and the parity fixtures depend
on them).

Where SAM 2.1 differs, the difference is a named argument, not a second copy:
  MLP           gelu / sigmoid_output (SAM's layers use ReLU and no sigmoid)
  TwoWayTransformer  layered_mlp: SAM's checkpoints name the token MLP lin1/lin2 (MLPBlock),
                SAM 2.1's layers.0/layers.1 (MLP); both compute lin2(relu(lin1(x)))
  MaskDecoderBase    the token/transformer/hypernetwork steps; each decoder subclasses it with
                its own tokens (SAM 2.1 adds an object-score token) and upscaling (SAM 2.1 adds
                the stride-4/8 features)
SAM 2.1's point padding (always one padding point, boxes first) is the caller's: the prompt
encoder embeds whatever points and labels it is given.
"""

import json
import math
import os
from typing import Dict, List, Optional, Tuple, Type

import torch
import torch.nn.functional as F
from torch import Tensor, nn

Device = Optional[torch.device]

METADATA_FORMAT = "sambench-sam/1"  # sambench.json's "format" in every family

PROMPT_DIM = 256  # the prompt encoder's and mask decoder's width in every family
IMAGE_SIZE = 1024  # the square input frame that point coordinates refer to
EMBEDDING_SIZE = 64  # the decoder's grid: stride 16


# --------------------------------------------------------------------------
# Norms and MLPs
# --------------------------------------------------------------------------


# The layer norms compute in float32 whatever the input's dtype and return that dtype, so that
# an encoder cast to fp16 or bf16 (sambench's model.precision) keeps its statistics exact: a
# half-precision variance over 1280 channels loses most of its bits, or overflows. On float32
# input every .float() and .to() is a no-op, so fp32 outputs are bit-identical to plain norms.


class LayerNorm2d(nn.Module):
    """LayerNorm over the channel axis of an NCHW tensor (in float32, see above)."""

    def __init__(self, channels: int, eps: float = 1e-6, device: Device = None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels, device=device))
        self.bias = nn.Parameter(torch.zeros(channels, device=device))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        y = x.float()
        mean = y.mean(1, keepdim=True)
        var = (y - mean).pow(2).mean(1, keepdim=True)
        y = (y - mean) / torch.sqrt(var + self.eps)
        y = self.weight.float()[:, None, None] * y + self.bias.float()[:, None, None]
        return y.to(x.dtype)


class Float32LayerNorm(nn.LayerNorm):
    """nn.LayerNorm in float32 (see above); same parameters, so checkpoints load unchanged."""

    def forward(self, x: Tensor) -> Tensor:
        y = F.layer_norm(x.float(), self.normalized_shape, self.weight.float(), self.bias.float(), self.eps)
        return y.to(x.dtype)


class MLPBlock(nn.Module):
    """Two-layer feed-forward block (lin1 -> act -> lin2), SAM's names."""

    def __init__(self, dim: int, hidden: int, act: Type[nn.Module], device: Device = None) -> None:
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden, device=device)
        self.lin2 = nn.Linear(hidden, dim, device=device)
        self.act = act()

    def forward(self, x: Tensor) -> Tensor:
        return self.lin2(self.act(self.lin1(x)))


class MLP(nn.Module):
    """Linear layers (named layers.0, layers.1, ...) with ReLU (or GELU) between them, not after
    the last; optionally a sigmoid on the output (SAM 2.1's IoU head)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, num_layers: int,
                 gelu: bool = False, sigmoid_output: bool = False, device: Device = None) -> None:
        super().__init__()
        dims = [in_dim] + [hidden] * (num_layers - 1) + [out_dim]
        self.layers = nn.ModuleList(
            [nn.Linear(a, b, device=device) for a, b in zip(dims[:-1], dims[1:])])
        self.num_layers = num_layers
        self.gelu = gelu
        self.sigmoid_output = sigmoid_output

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < self.num_layers - 1:
                x = F.gelu(x) if self.gelu else F.relu(x)
        if self.sigmoid_output:
            x = torch.sigmoid(x)
        return x


# --------------------------------------------------------------------------
# Windows (SAM's ViT and SAM 2.1's Hiera)
# --------------------------------------------------------------------------


def window_partition(x: Tensor, ws: int) -> Tuple[Tensor, int, int]:
    """[B,H,W,C] -> [B*nW, ws, ws, C], zero-padding H and W up to multiples of ws.

    Returns the windows and the padded height/width (needed to undo it)."""
    b, h, w, c = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    pad_h = (ws - h % ws) % ws
    pad_w = (ws - w % ws) % ws
    # F.pad pads the last dims first: (C: 0,0) (W: 0,pad_w) (H: 0,pad_h)
    x = F.pad(x, [0, 0, 0, pad_w, 0, pad_h])
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // ws, ws, wp // ws, ws, c)
    windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)
    return windows, hp, wp


def window_unpartition(windows: Tensor, ws: int, hp: int, wp: int, h: int, w: int) -> Tensor:
    """Inverse of window_partition, dropping the padding again."""
    b = windows.shape[0] // ((hp // ws) * (wp // ws))
    x = windows.reshape(b, hp // ws, wp // ws, ws, ws, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, hp, wp, -1)
    return x[:, :h, :w, :].contiguous()


# --------------------------------------------------------------------------
# Prompt encoder
# --------------------------------------------------------------------------


class PositionEmbeddingRandom(nn.Module):
    """Random-Fourier-feature positional encoding of 2-D points."""

    def __init__(self, num_feats: int, device: Device = None) -> None:
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix",
                             torch.randn((2, num_feats), device=device))

    def encode_unit(self, xy: Tensor) -> Tensor:
        """xy [..., 2] in [0,1] -> [..., 2*num_feats]; always computed in float32
        because sin/cos of large arguments is too coarse in half precision."""
        g = self.positional_encoding_gaussian_matrix.float()
        proj = 2 * math.pi * ((2 * xy.float() - 1) @ g)
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)

    def dense(self, h: int, w: int) -> Tensor:
        """PE of every embedding-grid cell centre, [1, C, h, w] (float32)."""
        dev = self.positional_encoding_gaussian_matrix.device
        grid = torch.ones((h, w), device=dev, dtype=torch.float32)
        y = (grid.cumsum(dim=0) - 0.5) / h
        x = (grid.cumsum(dim=1) - 0.5) / w
        return self.encode_unit(torch.stack([x, y], dim=-1)).permute(2, 0, 1).unsqueeze(0)


class PromptEncoder(nn.Module):
    """Points, box corners and an optional mask prompt -> sparse and dense embeddings (the same
    network in SAM and SAM 2.1)."""

    def __init__(self, embed_dim: int = PROMPT_DIM, mask_in_chans: int = 16,
                 device: Device = None) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        # TorchScript cannot read module-level ints, so keep sizes as attributes.
        self.input_size = IMAGE_SIZE
        self.embedding_size = EMBEDDING_SIZE
        self.pe_layer = PositionEmbeddingRandom(embed_dim // 2, device=device)
        # Index = label: 0 negative point, 1 positive point, 2/3 box corners.
        self.point_embeddings = nn.ModuleList(
            [nn.Embedding(1, embed_dim, device=device) for _ in range(4)])
        self.not_a_point_embed = nn.Embedding(1, embed_dim, device=device)
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, kernel_size=2, stride=2, device=device),
            LayerNorm2d(mask_in_chans // 4, device=device),
            nn.GELU(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, kernel_size=2, stride=2, device=device),
            LayerNorm2d(mask_in_chans, device=device),
            nn.GELU(),
            nn.Conv2d(mask_in_chans, embed_dim, kernel_size=1, device=device),
        )
        self.no_mask_embed = nn.Embedding(1, embed_dim, device=device)

    def embed_points(self, coords: Tensor, labels: Tensor) -> Tensor:
        """coords [B,N,2] in the 1024 input frame, labels [B,N] -> [B,N,C] float32.

        Boxes arrive as two points labelled 2 and 3, which gives exactly the
        official _embed_boxes result (shift, PE, add corner embedding)."""
        xy = (coords.float() + 0.5) / float(self.input_size)  # pixel centre, then [0,1]
        pe = self.pe_layer.encode_unit(xy)
        lab = labels.to(torch.int64).unsqueeze(-1)
        # Padding points carry only not_a_point_embed, no positional term.
        emb = torch.where(lab == -1, self.not_a_point_embed.weight.float(), pe)
        for k, point_embed in enumerate(self.point_embeddings):
            emb = torch.where(lab == k, emb + point_embed.weight.float(), emb)
        return emb

    def embed_masks(self, mask_input: Optional[Tensor], batch: int, dtype: torch.dtype) -> Tensor:
        if mask_input is None:
            return self.no_mask_embed.weight.to(dtype).reshape(1, -1, 1, 1).expand(
                batch, -1, self.embedding_size, self.embedding_size)
        return self.mask_downscaling(mask_input.to(dtype))


# --------------------------------------------------------------------------
# Mask decoder: two-way transformer
# --------------------------------------------------------------------------


class DecoderAttention(nn.Module):
    """Multi-head attention whose inner width may be downsampled (textbook form)."""

    def __init__(self, dim: int, num_heads: int, downsample_rate: int = 1,
                 device: Device = None) -> None:
        super().__init__()
        inner = dim // downsample_rate
        assert inner % num_heads == 0, "num_heads must divide the inner dimension"
        self.num_heads = num_heads
        self.q_proj = nn.Linear(dim, inner, device=device)
        self.k_proj = nn.Linear(dim, inner, device=device)
        self.v_proj = nn.Linear(dim, inner, device=device)
        self.out_proj = nn.Linear(inner, dim, device=device)

    def split_heads(self, x: Tensor) -> Tensor:
        b, n, c = x.shape[0], x.shape[1], x.shape[2]
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        q = self.split_heads(self.q_proj(q))
        k = self.split_heads(self.k_proj(k))
        v = self.split_heads(self.v_proj(v))
        attn = q @ k.transpose(-2, -1) / math.sqrt(q.shape[3])
        out = torch.softmax(attn, dim=-1) @ v  # [B, heads, Nq, hd]
        b, nq = out.shape[0], out.shape[2]
        return self.out_proj(out.transpose(1, 2).reshape(b, nq, -1))


class TwoWayAttentionBlock(nn.Module):
    """Token self-attn, token->image attn, token MLP, image->token attn.

    layered_mlp: the token MLP as MLP (layers.0/1, SAM 2.1's names) instead of MLPBlock
    (lin1/lin2, SAM's); the same computation."""

    def __init__(self, dim: int, num_heads: int, mlp_dim: int, skip_first_layer_pe: bool,
                 layered_mlp: bool = False, device: Device = None) -> None:
        super().__init__()
        self.self_attn = DecoderAttention(dim, num_heads, device=device)
        self.norm1 = nn.LayerNorm(dim, device=device)
        self.cross_attn_token_to_image = DecoderAttention(dim, num_heads, 2, device=device)
        self.norm2 = nn.LayerNorm(dim, device=device)
        self.mlp = (MLP(dim, mlp_dim, dim, 2, device=device) if layered_mlp
                    else MLPBlock(dim, mlp_dim, nn.ReLU, device=device))
        self.norm3 = nn.LayerNorm(dim, device=device)
        self.norm4 = nn.LayerNorm(dim, device=device)
        self.cross_attn_image_to_token = DecoderAttention(dim, num_heads, 2, device=device)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(self, queries: Tensor, keys: Tensor, query_pe: Tensor,
                key_pe: Tensor) -> Tuple[Tensor, Tensor]:
        # The first layer's queries ARE the prompt embeddings, so adding their PE
        # again (and the residual) is skipped, as in the official model.
        if self.skip_first_layer_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)

        q = queries + query_pe
        k = keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))

        queries = self.norm3(queries + self.mlp(queries))

        q = queries + query_pe
        k = keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth: int = 2, dim: int = PROMPT_DIM, num_heads: int = 8,
                 mlp_dim: int = 2048, layered_mlp: bool = False, device: Device = None) -> None:
        super().__init__()
        self.layers = nn.ModuleList([
            TwoWayAttentionBlock(dim, num_heads, mlp_dim, i == 0, layered_mlp, device=device)
            for i in range(depth)
        ])
        self.final_attn_token_to_image = DecoderAttention(dim, num_heads, 2, device=device)
        self.norm_final_attn = nn.LayerNorm(dim, device=device)

    def forward(self, image: Tensor, image_pe: Tensor, tokens: Tensor) -> Tuple[Tensor, Tensor]:
        """image/image_pe [B,C,h,w], tokens [B,N,C] -> (tokens, image tokens [B,hw,C])."""
        keys = image.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        queries = tokens
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, key_pe)
        attn_out = self.final_attn_token_to_image(queries + tokens, keys + key_pe, keys)
        return self.norm_final_attn(queries + attn_out), keys


# --------------------------------------------------------------------------
# Mask decoder: the steps around the transformer
# --------------------------------------------------------------------------


def output_upscaling(dim: int, device: Device = None) -> nn.Sequential:
    """Two stride-2 transposed convolutions: the decoder's image tokens at 4x, dim // 8 channels."""
    return nn.Sequential(
        nn.ConvTranspose2d(dim, dim // 4, kernel_size=2, stride=2, device=device),
        LayerNorm2d(dim // 4, device=device),
        nn.GELU(),
        nn.ConvTranspose2d(dim // 4, dim // 8, kernel_size=2, stride=2, device=device),
        nn.GELU(),
    )


def hypernetwork_mlps(dim: int, num_mask_tokens: int, device: Device = None) -> nn.ModuleList:
    """One 3-layer MLP per mask token, mapping it to the weights of the upscaled channels."""
    return nn.ModuleList([MLP(dim, dim, dim // 8, 3, device=device) for _ in range(num_mask_tokens)])


class MaskDecoderBase(nn.Module):
    """The steps SAM's and SAM 2.1's mask decoders share. A subclass creates, in its checkpoint's
    order, `transformer` (TwoWayTransformer) and `output_hypernetworks_mlps` (hypernetwork_mlps),
    its output tokens and its upscaling, and composes the steps in forward."""

    def attend(self, output_tokens: Tensor, image_embed: Tensor, image_pe: Tensor, sparse: Tensor,
               dense: Tensor) -> Tuple[Tensor, Tensor]:
        """Output tokens [T,C] and B prompts over one image -> (tokens [B,T+N,C], image [B,C,h,w])."""
        batch = sparse.shape[0]
        tokens = torch.cat([output_tokens.unsqueeze(0).expand(batch, -1, -1), sparse], dim=1)
        # One copy of the (single) image per prompt.
        src = torch.repeat_interleave(image_embed, batch, dim=0) + dense
        pos_src = torch.repeat_interleave(image_pe, batch, dim=0)
        b, c, h, w = src.shape[0], src.shape[1], src.shape[2], src.shape[3]
        hs, src = self.transformer(src, pos_src, tokens)
        return hs, src.transpose(1, 2).reshape(b, c, h, w)

    def mask_logits(self, mask_tokens_out: Tensor, upscaled: Tensor) -> Tensor:
        """Mask tokens [B,M,C] and upscaled image [B,C/8,H,W] -> logits [B,M,H,W]."""
        hyper: List[Tensor] = []
        for i, mlp in enumerate(self.output_hypernetworks_mlps):
            hyper.append(mlp(mask_tokens_out[:, i, :]))
        hyper_in = torch.stack(hyper, dim=1)  # [B, M, C/8]
        b, c, h, w = upscaled.shape[0], upscaled.shape[1], upscaled.shape[2], upscaled.shape[3]
        return (hyper_in @ upscaled.reshape(b, c, h * w)).reshape(b, -1, h, w)


# --------------------------------------------------------------------------
# Seeded random init (--random-init)
# --------------------------------------------------------------------------

# Default init gives mask logits of ~0.1; the hypernetworks' last layer is scaled by this so that
# they are a few units (real SAM gives ~+-10) and the 0 threshold is not decided by rounding noise.
LOGIT_GAIN = 30.0


def noise(gen: torch.Generator, t: Tensor, std: float) -> Tensor:
    """Gaussian noise of t's shape, dtype and device, drawn from gen in float32."""
    return torch.randn(t.shape, generator=gen, dtype=torch.float32).to(t) * std


def perturb_affine(norms: List[nn.Module], gen: torch.Generator, std: float = 0.1) -> None:
    """Noise on each norm's weight, then its bias, in the order given: the official init leaves
    them at 1/0, where a parity test could not see how they are applied. The order of the draws
    decides the seeded weights."""
    with torch.no_grad():
        for m in norms:
            m.weight.add_(noise(gen, m.weight, std))
            m.bias.add_(noise(gen, m.bias, std))


def scale_mask_logits(decoder: MaskDecoderBase, gain: float = LOGIT_GAIN) -> None:
    """Scale the last layer of each hypernetwork MLP (see LOGIT_GAIN)."""
    with torch.no_grad():
        for mlp in decoder.output_hypernetworks_mlps:
            mlp.layers[-1].weight.mul_(gain)
            mlp.layers[-1].bias.mul_(gain)


# --------------------------------------------------------------------------
# The export's metadata (sambench.json)
# --------------------------------------------------------------------------


def export_metadata(model_type: str, constants: Dict, profile: Dict, encoder_attention: str,
                    checkpoint: Optional[str], checkpoint_sha256: Optional[str], seed: Optional[int],
                    extra: Optional[Dict] = None) -> str:
    """sambench.json of an export, as sambench's model_metadata.cc reads it: the fields every
    family writes, with the family's own values. constants: image_size, embedding_size,
    low_res_size, pixel_mean, pixel_std, mask_threshold, num_mask_outputs. encoder_attention:
    what the image encoder's attention is (a ViT's --attention choice, or the encoder's own
    kind). extra: the family's fields of its own (SAM 2.1's embedding_tensors)."""
    meta = {
        "format": METADATA_FORMAT,
        "model_type": model_type,
        **{key: constants[key] for key in ("image_size", "embedding_size", "low_res_size", "pixel_mean",
                                           "pixel_std", "mask_threshold", "num_mask_outputs")},
        "encoder_layer_norms": "float32",  # whatever the encoder's dtype (Float32LayerNorm, LayerNorm2d)
        "encoder_attention": encoder_attention,
        # encode takes [B,3,S,S]; on a CPU each image keeps its batch-1 bits.
        "batched_encode": True,
        "profile": profile,
        "checkpoint": os.path.basename(checkpoint) if checkpoint else None,
        "checkpoint_sha256": checkpoint_sha256 if checkpoint else None,
        "random_init": checkpoint is None,
        "seed": seed if checkpoint is None else None,
        "torch_version": torch.__version__,
        **(extra or {}),
    }
    return json.dumps(meta, sort_keys=True, separators=(",", ":"))
