"""The synthetic images and prompts that the parity fixture writers (make_mobile_sam_fixtures.py,
make_sam2_fixtures.py) feed to the official code.

Each draw comes from the caller's numpy RandomState, in a fixed order, so a writer's seed
decides its fixtures; the writers differ only in the arguments they pass.
"""

from typing import List

import numpy as np


def smooth_image(rng: np.random.RandomState, width: int, height: int, blobs: int, max_sigma: float,
                 noise_std: float = 0.0) -> np.ndarray:
    """A colour gradient, `blobs` soft blobs (their sigma up to max_sigma of the longer side) and,
    if noise_std > 0, Gaussian noise: uint8 HWC RGB."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.stack([rng.uniform(60, 190) + rng.uniform(-60, 60) * xs / width + rng.uniform(-60, 60) * ys / height
                    for _ in range(3)], axis=-1)
    for _ in range(blobs):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        sigma = rng.uniform(0.05, max_sigma) * max(width, height)
        blob = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma * sigma))
        img += blob[..., None] * rng.uniform(-120, 120, size=3).astype(np.float32)
    if noise_std > 0:
        img += rng.normal(0, noise_std, size=img.shape).astype(np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def random_point(rng: np.random.RandomState, width: int, height: int) -> List[float]:
    """(x, y) in image pixels, to 0.1 pixel."""
    return [round(float(rng.uniform(0, width - 1)), 1), round(float(rng.uniform(0, height - 1)), 1)]


def random_box(rng: np.random.RandomState, width: int, height: int, min_size: float) -> List[float]:
    """(x0, y0, x1, y1) in image pixels, to 0.1 pixel, at least min_size wide and high."""
    x0, x1 = sorted(rng.uniform(0, width - 1, size=2).tolist())
    y0, y1 = sorted(rng.uniform(0, height - 1, size=2).tolist())
    return [round(x0, 1), round(y0, 1), round(max(x1, x0 + min_size), 1), round(max(y1, y0 + min_size), 1)]
