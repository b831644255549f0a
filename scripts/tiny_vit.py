"""TinyViT-5M, the image encoder of MobileSAM, written for torch.jit.script.

sambench's own implementation, imported by export_sam.py for --model-type mobile_sam; its norms
are sam_blocks.py's (float32 whatever the encoder's dtype). Its parameter and buffer names equal
those under `image_encoder.` in the official mobile_sam.pt, so that checkpoint loads with
strict=True; that includes the ImageNet classifier head (norm_head, head), which the checkpoint
carries but MobileSAM never runs.

The network maps x [B,3,1024,1024] (normalized and padded as for SAM) to [B,256,64,64]:
  patch_embed   two stride-2 3x3 conv+BN                       -> 64 ch, 256x256
  layers.0      2 MBConv blocks, then a patch merge (stride 2)  -> 128 ch, 128x128
  layers.1      2 attention blocks (7x7 windows), merge (2)     -> 160 ch, 64x64
  layers.2      6 attention blocks (14x14 windows), merge (1)   -> 320 ch, 64x64
  layers.3      2 attention blocks (7x7 windows)                -> 320 ch, 64x64
  neck          SAM's neck: 1x1 conv, norm, 3x3 conv, norm      -> 256 ch, 64x64
Attention blocks take tokens [B, H*W, C]; windows that do not divide the grid are zero-padded
at the bottom/right and the padding takes part in the attention, as in the original.
"""

from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sam_blocks import Device, Float32LayerNorm, LayerNorm2d, noise

EMBED_DIMS = [64, 128, 160, 320]
DEPTHS = [2, 2, 6, 2]
NUM_HEADS = [2, 4, 5, 10]
WINDOW_SIZES = [7, 7, 14, 7]
MLP_RATIO = 4
MBCONV_EXPAND = 4
LOCAL_CONV_SIZE = 3
NUM_CLASSES = 1000  # the unused classifier head's width, kept for the checkpoint's names
OUT_CHANNELS = 256
INPUT_SIZE = 1024


class ConvBN(nn.Module):
    """A bias-free convolution followed by batch norm; the children are named c and bn."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 1, stride: int = 1, pad: int = 0,
                 groups: int = 1, device: Device = None) -> None:
        super().__init__()
        self.c = nn.Conv2d(in_ch, out_ch, kernel, stride, pad, groups=groups, bias=False, device=device)
        self.bn = nn.BatchNorm2d(out_ch, device=device)

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(self.c(x))


class PatchEmbed(nn.Module):
    """Two stride-2 3x3 convolutions: the image at a quarter of its size, dim channels."""

    def __init__(self, dim: int, device: Device = None) -> None:
        super().__init__()
        self.seq = nn.Sequential(ConvBN(3, dim // 2, 3, 2, 1, device=device), nn.GELU(),
                                 ConvBN(dim // 2, dim, 3, 2, 1, device=device))

    def forward(self, x: Tensor) -> Tensor:
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project, plus the input, then GELU."""

    def __init__(self, dim: int, device: Device = None) -> None:
        super().__init__()
        hidden = dim * MBCONV_EXPAND
        self.conv1 = ConvBN(dim, hidden, device=device)
        self.act1 = nn.GELU()
        self.conv2 = ConvBN(hidden, hidden, 3, 1, 1, groups=hidden, device=device)
        self.act2 = nn.GELU()
        self.conv3 = ConvBN(hidden, dim, device=device)
        self.act3 = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        y = self.act2(self.conv2(self.act1(self.conv1(x))))
        return self.act3(self.conv3(y) + x)


class PatchMerging(nn.Module):
    """Tokens (or an NCHW map) -> tokens [B, H'*W', out_dim] through 1x1, 3x3 depthwise, 1x1."""

    def __init__(self, resolution: int, dim: int, out_dim: int, stride: int, device: Device = None) -> None:
        super().__init__()
        self.resolution = resolution
        self.act = nn.GELU()
        self.conv1 = ConvBN(dim, out_dim, device=device)
        self.conv2 = ConvBN(out_dim, out_dim, 3, stride, 1, groups=out_dim, device=device)
        self.conv3 = ConvBN(out_dim, out_dim, device=device)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 3:
            x = x.view(x.shape[0], self.resolution, self.resolution, -1).permute(0, 3, 1, 2)
        x = self.act(self.conv2(self.act(self.conv1(x))))
        return self.conv3(x).flatten(2).transpose(1, 2)


def offset_index(window: int, device: torch.device) -> Tensor:
    """[N, N] index into a window's attention biases (N = window^2 tokens, row-major): one bias
    per distinct offset (|dy|, |dx|), numbered |dy| * window + |dx|. That is the original's
    numbering "in the order the offsets are first met", since the first token's row already
    meets every offset in that order. Computed on the fly rather than kept as a buffer, so the
    module's state holds the checkpoint's tensors and nothing else."""
    r = torch.arange(window, device=device)
    rows, cols = r.repeat_interleave(window), r.repeat(window)
    return (rows[:, None] - rows[None, :]).abs() * window + (cols[:, None] - cols[None, :]).abs()


class WindowAttention(nn.Module):
    """Multi-head attention within one window of tokens [B, N, C], with a learned bias per head
    and relative offset. The query/key/value of each head sit side by side in qkv's output."""

    def __init__(self, dim: int, num_heads: int, window: int, device: Device = None) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = dim // num_heads
        self.scale = self.key_dim ** -0.5
        self.norm = Float32LayerNorm(dim, device=device)
        self.qkv = nn.Linear(dim, 3 * dim, device=device)
        self.proj = nn.Linear(dim, dim, device=device)
        self.window = window
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, window * window, device=device))

    def forward(self, x: Tensor) -> Tensor:
        b, n = x.shape[0], x.shape[1]
        qkv = self.qkv(self.norm(x)).view(b, n, self.num_heads, -1)
        q, k, v = qkv.split([self.key_dim, self.key_dim, self.key_dim], dim=3)
        q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        bias = self.attention_biases[:, offset_index(self.window, x.device)]
        attn = ((q @ k.transpose(-2, -1)) * self.scale + bias).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, -1))


class Mlp(nn.Module):
    def __init__(self, dim: int, device: Device = None) -> None:
        super().__init__()
        self.norm = Float32LayerNorm(dim, device=device)
        self.fc1 = nn.Linear(dim, dim * MLP_RATIO, device=device)
        self.fc2 = nn.Linear(dim * MLP_RATIO, dim, device=device)
        self.act = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(self.norm(x))))


class TinyViTBlock(nn.Module):
    """Window attention, a depthwise 3x3 convolution over the grid, an MLP; residual around the
    attention and the MLP."""

    def __init__(self, dim: int, resolution: int, num_heads: int, window: int, device: Device = None) -> None:
        super().__init__()
        self.resolution = resolution
        self.window = window
        self.attn = WindowAttention(dim, num_heads, window, device=device)
        self.mlp = Mlp(dim, device=device)
        self.local_conv = ConvBN(dim, dim, LOCAL_CONV_SIZE, 1, LOCAL_CONV_SIZE // 2, groups=dim, device=device)

    def windowed_attention(self, x: Tensor) -> Tensor:
        b, c, h, ws = x.shape[0], x.shape[2], self.resolution, self.window
        if h == ws:
            return self.attn(x)
        pad = (ws - h % ws) % ws
        grid = F.pad(x.view(b, h, h, c), [0, 0, 0, pad, 0, pad])
        n = (h + pad) // ws
        windows = grid.view(b, n, ws, n, ws, c).transpose(2, 3).reshape(b * n * n, ws * ws, c)
        grid = self.attn(windows).view(b, n, n, ws, ws, c).transpose(2, 3).reshape(b, h + pad, h + pad, c)
        return grid[:, :h, :h].contiguous().view(b, h * h, c)

    def forward(self, x: Tensor) -> Tensor:
        b, tokens, c = x.shape[0], x.shape[1], x.shape[2]
        x = x + self.windowed_attention(x)
        grid = self.local_conv(x.transpose(1, 2).reshape(b, c, self.resolution, self.resolution))
        x = grid.view(b, c, tokens).transpose(1, 2)
        return x + self.mlp(x)


class ConvLayer(nn.Module):
    """Stage 0: MBConv blocks, then a patch merge."""

    def __init__(self, dim: int, resolution: int, depth: int, out_dim: int, device: Device = None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([MBConv(dim, device=device) for _ in range(depth)])
        self.downsample = PatchMerging(resolution, dim, out_dim, 2, device=device)

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return self.downsample(x)


class BasicLayer(nn.Module):
    """Stages 1-3: attention blocks, then a patch merge except after the last stage."""

    def __init__(self, dim: int, resolution: int, depth: int, num_heads: int, window: int,
                 out_dim: Optional[int], merge_stride: int, device: Device = None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([TinyViTBlock(dim, resolution, num_heads, window, device=device)
                                     for _ in range(depth)])
        self.downsample: Optional[PatchMerging] = None
        if out_dim is not None:
            self.downsample = PatchMerging(resolution, dim, out_dim, merge_stride, device=device)

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class TinyViT(nn.Module):
    def __init__(self, device: Device = None) -> None:
        super().__init__()
        d = EMBED_DIMS
        self.patch_embed = PatchEmbed(d[0], device=device)
        grid = INPUT_SIZE // 4  # 256 after the patch embedding
        # Stage i runs at the grid its predecessor's merge left: 256, 128, 64, 64 (the last merge
        # keeps the 64x64 grid: stride 1).
        resolutions = [grid, grid // 2, grid // 4, grid // 4]
        strides = [2, 2, 1]
        stages: List[nn.Module] = [ConvLayer(d[0], resolutions[0], DEPTHS[0], d[1], device=device)]
        for i in range(1, len(d)):
            last = i == len(d) - 1
            stages.append(BasicLayer(d[i], resolutions[i], DEPTHS[i], NUM_HEADS[i], WINDOW_SIZES[i],
                                     None if last else d[i + 1], 1 if last else strides[i], device=device))
        self.layers = nn.ModuleList(stages)
        self.embedding_size = resolutions[-1]
        self.norm_head = nn.LayerNorm(d[-1], device=device)
        self.head = nn.Linear(d[-1], NUM_CLASSES, device=device)
        self.neck = nn.Sequential(
            nn.Conv2d(d[-1], OUT_CHANNELS, kernel_size=1, bias=False, device=device),
            LayerNorm2d(OUT_CHANNELS, device=device),
            nn.Conv2d(OUT_CHANNELS, OUT_CHANNELS, kernel_size=3, padding=1, bias=False, device=device),
            LayerNorm2d(OUT_CHANNELS, device=device),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        b, c, e = x.shape[0], x.shape[2], self.embedding_size
        return self.neck(x.view(b, e, e, c).permute(0, 3, 1, 2))


def perturb_constant_init(encoder: TinyViT, gen: torch.Generator) -> None:
    """Give what PyTorch's init leaves constant and export_sam.perturb_constant_init does not
    reach (attention biases 0, the neck's channel-norm and batch-norm affine 1/0, running
    mean/var 0/1) random values, so that a parity test sees how each is applied. The running
    variances stay positive and near 1, so activations keep their scale. Each module's draws
    come in turn (weight, bias, running mean, running variance): their order decides the
    seeded weights."""
    with torch.no_grad():
        for name, p in encoder.named_parameters():
            if name.endswith("attention_biases"):
                p.add_(noise(gen, p, 0.5))
        for _, m in encoder.named_modules():
            if isinstance(m, (LayerNorm2d, nn.BatchNorm2d)):
                m.weight.add_(noise(gen, m.weight, 0.1))
                m.bias.add_(noise(gen, m.bias, 0.1))
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.add_(noise(gen, m.running_mean, 0.1))
                m.running_var.mul_(torch.exp(noise(gen, m.running_var, 0.2)))
