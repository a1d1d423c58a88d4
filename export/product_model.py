"""The product encoder: a small strided CNN for shape fused with a foreground colour histogram.

Everything the app needs happens inside the exported graph: RGB image in, one L2-normalised
embedding out, laid out as [shape segment | colour segment] (see autosimnet_desktop/core/fusion.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

# ITU-R BT.601 luma, the weights Pillow's convert("L") uses: the shape branch sees what the paper model sees.
LUMA = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class ProductConfig:
    """Architecture choices of one variant (stored in train.json so a run can be rebuilt)."""

    shape_input: str = "gray"        # "gray" (colour-blind shape) or "rgb"
    widths: tuple[int, ...] = (32, 64, 128, 256)  # one stride-2 stage each: 64 -> 32 -> 16 -> 8 -> 4
    extra_convs: tuple[int, ...] = (0, 0, 1, 0)   # stride-1 3x3 convs after each stage's strided conv
    pooling: str = "avgmax"          # "avg", "max", "avgmax" (concat) or "flatten" (no shift tolerance)
    shape_dim: int = 192
    colour: str = "learned"          # "none", "fixed" (histogram only) or "learned" (histogram + projection)
    colour_bins: int = 64            # colour prototypes of the soft histogram
    colour_pool: int = 2             # the histogram is taken at 64 / colour_pool pixels a side
    colour_attention: bool = False   # weight pixels by a product map learned from the (grayscale) CNN features
    colour_dim: int = 64             # colour segment size ("fixed": = colour_bins)
    colour_weight: float = 0.35      # default weight w0 of the colour segment in the stored embedding
    mask_threshold: float = 0.08     # 1 - min(R,G,B) above this is "product", below is white background
    mask_sharpness: float = 100.0
    background_weight: float = 0.005  # so a white product on white still has a (white) histogram

    @property
    def embedding_dim(self) -> int:
        """Length of the exported embedding."""
        return self.shape_dim + (0 if self.colour == "none" else self.colour_segment)

    @property
    def colour_segment(self) -> int:
        """Length of the colour segment (0 without a colour branch)."""
        if self.colour == "none":
            return 0
        return self.colour_bins if self.colour == "fixed" else self.colour_dim

    def segments(self) -> str:
        """The `segments` metadata value, e.g. 'shape:0:192,colour:192:256'."""
        if self.colour == "none":
            return f"shape:0:{self.shape_dim}"
        return f"shape:0:{self.shape_dim},colour:{self.shape_dim}:{self.embedding_dim}"

    @classmethod
    def from_dict(cls, d: dict) -> "ProductConfig":
        """Rebuild from asdict() output (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def _conv(cin: int, cout: int, stride: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class ShapeNet(nn.Module):
    """Strided-conv CNN with global pooling: input inverted so the white background is 0 like the zero padding."""

    def __init__(self, cfg: ProductConfig) -> None:
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = []
        cin = 1 if cfg.shape_input == "gray" else 3
        for width, extra in zip(cfg.widths, cfg.extra_convs):
            layers += _conv(cin, width, 2)
            for _ in range(extra):
                layers += _conv(width, width, 1)
            cin = width
        self.features = nn.Sequential(*layers)
        side = 64 // 2 ** len(cfg.widths)
        pooled = {"avg": cin, "max": cin, "avgmax": 2 * cin, "flatten": cin * side * side}[cfg.pooling]
        self.project = nn.Linear(pooled, cfg.shape_dim)
        self.register_buffer("luma", torch.tensor(LUMA).view(1, 3, 1, 1))

    def split_at(self, stage: int) -> int:
        """Index into `features` just after stage `stage` (0-based): 3 modules per conv."""
        return sum(3 * (1 + extra) for extra in self.cfg.extra_convs[:stage + 1])

    def forward(self, rgb: torch.Tensor, tap: int | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The shape vector (before normalisation); with `tap`, also the feature map after that stage."""
        x = (rgb * self.luma).sum(1, keepdim=True) if self.cfg.shape_input == "gray" else rgb
        if tap is None:
            return self._head(self.features(1.0 - x))
        k = self.split_at(tap)
        early = self.features[:k](1.0 - x)
        return self._head(self.features[k:](early)), early

    def _head(self, f: torch.Tensor) -> torch.Tensor:
        if self.cfg.pooling == "avg":
            v = f.mean((2, 3))
        elif self.cfg.pooling == "max":
            v = f.amax((2, 3))
        elif self.cfg.pooling == "avgmax":
            v = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        else:
            v = torch.flatten(f, 1)
        return self.project(v)


class ColourHistogram(nn.Module):
    """Soft histogram of the product's own (non-white) pixels over colour prototypes.

    mask m = sigmoid(k * ((1 - min(R,G,B)) - t)) + b marks foreground pixels (b keeps white-on-white
    products describable); each pixel's membership in prototype j is softmax_j(-|x - c_j|^2 / (2 s^2));
    the histogram is sum(m * membership) / sum(m). Prototypes and s are learnable in 'learned' mode.
    """

    def __init__(self, cfg: ProductConfig, prototypes: torch.Tensor | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        if prototypes is None:
            prototypes = default_prototypes(cfg.colour_bins)
        learn = cfg.colour == "learned"
        self.prototypes = nn.Parameter(prototypes.clone().float(), requires_grad=learn)
        self.log_sigma = nn.Parameter(torch.tensor(math.log(0.12)), requires_grad=learn)

    def forward(self, rgb: torch.Tensor, attention: torch.Tensor | None = None) -> torch.Tensor:
        x = F.avg_pool2d(rgb, self.cfg.colour_pool)  # colour needs little resolution; this sets the cost
        non_white = 1.0 - x.amin(1, keepdim=True)
        mask = torch.sigmoid(self.cfg.mask_sharpness * (non_white - self.cfg.mask_threshold)) + self.cfg.background_weight
        pixels = torch.flatten(x, 2).transpose(1, 2)  # N x P x 3: softmax over the last axis is fast in onnxruntime
        if attention is not None:  # N x 1 x h x w in 0..1 at the histogram's resolution
            mask = mask * attention
        weights = torch.flatten(mask, 2)              # N x 1 x P
        c = self.prototypes                            # K x 3
        # softmax_j(-|x - c_j|^2 / 2s^2) = softmax_j((x . c_j - |c_j|^2 / 2) / s^2): the |x|^2 term is the same for
        # every j, and a softmax ignores what its inputs share. One matrix product and one addition in the graph.
        inv_var = torch.exp(-2.0 * self.log_sigma)
        member = torch.softmax(pixels @ (c * inv_var).t() - (c * c).sum(1) * (0.5 * inv_var), dim=2)
        hist = (weights @ member).squeeze(1) / (weights.sum(2) + 1e-6)
        return torch.sqrt(hist + 1e-6)  # Hellinger: Euclidean distance of sqrt-histograms


def default_prototypes(k: int) -> torch.Tensor:
    """A fixed RGB grid-ish set of k prototypes (used before k-means initialisation)."""
    n = max(2, round(k ** (1 / 3)))
    levels = torch.linspace(0.05, 0.95, n)
    grid = torch.cartesian_prod(levels, levels, levels)
    if len(grid) >= k:
        return grid[torch.linspace(0, len(grid) - 1, k).long()]
    extra = torch.rand(k - len(grid), 3, generator=torch.Generator().manual_seed(0))
    return torch.cat([grid, extra])


class ProductEncoder(nn.Module):
    """RGB image N x 3 x 64 x 64 in [0,1] -> [sqrt(1-w0) * shape/|shape|, sqrt(w0) * colour/|colour|]."""

    def __init__(self, cfg: ProductConfig, prototypes: torch.Tensor | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.shape = ShapeNet(cfg)
        if cfg.colour != "none":
            self.colour_hist = ColourHistogram(cfg, prototypes)
            self.colour_project = nn.Linear(cfg.colour_bins, cfg.colour_dim) if cfg.colour == "learned" else nn.Identity()
            if cfg.colour_attention:
                # the feature map whose side matches the histogram's: 64 / colour_pool = 64 / 2^(stage + 1)
                self.tap = int(math.log2(cfg.colour_pool)) - 1
                self.attend = nn.Conv2d(cfg.widths[self.tap], 1, 1)
                nn.init.normal_(self.attend.weight, std=0.01)
                nn.init.constant_(self.attend.bias, 2.0)  # start close to "every foreground pixel counts"

    def segments(self, rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Unit-length shape and colour segments (colour None without a colour branch)."""
        if self.cfg.colour != "none" and self.cfg.colour_attention:
            shape, early = self.shape(rgb, tap=self.tap)
            hist = self.colour_hist(rgb, torch.sigmoid(self.attend(early)))
        else:
            shape = self.shape(rgb)
            hist = self.colour_hist(rgb) if self.cfg.colour != "none" else None
        s = F.normalize(shape, dim=1)
        if hist is None:
            return s, None
        return s, F.normalize(self.colour_project(hist), dim=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        s, c = self.segments(image)
        if c is None:
            return s
        w = self.cfg.colour_weight
        return torch.cat([math.sqrt(1.0 - w) * s, math.sqrt(w) * c], 1)


class CosineHead(nn.Module):
    """Normalised-softmax classifier on a unit embedding: logits = scale * cos(embedding, class weight)."""

    def __init__(self, dim: int, classes: int, scale: float = 16.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, dim) * 0.01)
        self.scale = scale

    def forward(self, unit: torch.Tensor) -> torch.Tensor:
        return self.scale * unit @ F.normalize(self.weight, dim=1).t()


JOINT_WEIGHT = 0.5  # the colour weight at which the joint (articleType x baseColour) head sees the fusion


class ProductModel(nn.Module):
    """Encoder plus the training-only label heads (dropped on export).

    Heads on the shape segment: articleType, subCategory, fmnist; on the colour segment: baseColour;
    'joint' (articleType|baseColour pairs) on the fused embedding, so that neighbours share both.
    """

    def __init__(self, cfg: ProductConfig, heads: dict[str, int], prototypes: torch.Tensor | None = None) -> None:
        super().__init__()
        self.encoder = ProductEncoder(cfg, prototypes)
        dims = {"baseColour": cfg.colour_segment, "joint": cfg.embedding_dim}
        self.heads = nn.ModuleDict({
            name: CosineHead(dims.get(name, cfg.shape_dim), n)
            for name, n in heads.items() if name not in ("baseColour", "joint") or cfg.colour == "learned"
        })

    def forward(self, image: torch.Tensor, joint_weight: float = JOINT_WEIGHT) -> dict[str, torch.Tensor]:
        s, c = self.encoder.segments(image)
        return self.heads_of(s, c, joint_weight)

    def heads_of(self, s: torch.Tensor, c: torch.Tensor | None,
                 joint_weight: float = JOINT_WEIGHT) -> dict[str, torch.Tensor]:
        """Every head's logits from the unit shape and colour segments."""
        out = {}
        for name, head in self.heads.items():
            if name == "baseColour":
                out[name] = head(c)
            elif name == "joint":
                out[name] = head(torch.cat([math.sqrt(1 - joint_weight) * s, math.sqrt(joint_weight) * c], 1))
            else:
                out[name] = head(s)
        return out
