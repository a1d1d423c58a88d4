"""The paper's denoising autoencoder (Table I, as decoded in shared/paper/table-1-decoded.md)."""

from __future__ import annotations

import torch
from torch import nn

LEAKY_SLOPE = 0.01  # the paper: "usually a small value like 0.01"


def _conv_block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(LEAKY_SLOPE)]


def _up_block(cin: int, cout: int) -> list[nn.Module]:
    # Keras' Conv2DTranspose(stride 2, padding="same") doubles H and W: padding 1 + output_padding 1.
    return [nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1), nn.LeakyReLU(LEAKY_SLOPE)]


class PaperDAE(nn.Module):
    """64x64x1 -> 8x8x32 bottleneck -> 64x64x1, exactly Table I (47,105 parameters)."""

    def __init__(self, channels: int = 1, filters: int = 32) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            *_conv_block(channels, filters),   # 1: 64,64,32
            nn.MaxPool2d(2),                   # 2: 32,32,32
            nn.BatchNorm2d(filters),           # 3
            *_conv_block(filters, filters),    # 4: 32,32,32
            nn.MaxPool2d(2),                   # 5: 16,16,32
            nn.BatchNorm2d(filters),           # 6
            *_conv_block(filters, filters),    # 7: 16,16,32
            nn.MaxPool2d(2),                   # 8: 8,8,32 bottleneck
        )
        self.decoder = nn.Sequential(
            *_up_block(filters, filters),      # 9: 16,16,32
            *_up_block(filters, filters),      # 10: 32,32,32
            *_up_block(filters, filters),      # 11: 64,64,32
            nn.Conv2d(filters, channels, 3, padding=1),  # 12: 64,64,1
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class Encoder(nn.Module):
    """The exported half: image N x C x H x W in [0,1] -> flattened bottleneck N x 2048."""

    def __init__(self, dae: PaperDAE) -> None:
        super().__init__()
        self.features = dae.encoder

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.features(image), 1)


def parameter_counts(model: nn.Module) -> tuple[int, int, int]:
    """(total, trainable, non-trainable) counted the Keras way: BatchNorm running mean/var are non-trainable."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    stats = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return trainable + frozen + stats, trainable, frozen + stats


MODELS = {"paper": PaperDAE}
