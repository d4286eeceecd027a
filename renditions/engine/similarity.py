"""Perceptual hashes: the same photo resized, recompressed or colour-adjusted keeps
(nearly) the same 64-bit hash, so a near-duplicate is a hash a few bits away.

The hash is imagehash's pHash (Zauner 2010): the photo in grey at 32 x 32 px, its
2-D DCT, the 8 x 8 lowest frequencies each compared with their median: 64 bits,
returned as an unsigned int (bit 63 first, as ``imagehash``'s hex string reads).
What a distance means on real photos and their transformed copies is measured by
``bench/similar.py``; the index over stored hashes is ``dam.hamming``.
"""
from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

from .loading import open_for_analysis

#: The decode the hash reads: the photo fitted inside this many px (pHash looks at
#: 32 x 32, so JPEGs decode at 1/8 scale through DCT scaling: a few ms for 12 MP).
HASH_LONGEST = 128


def image_hash(fp, *, max_pixels: int | None = None) -> int:
    """The pHash of the photo in ``fp`` (path or binary file object, rewound), oriented
    and in sRGB: an unsigned 64-bit int. Raises ``loading.ImageError``."""
    small, _ = open_for_analysis(fp, longest=HASH_LONGEST, max_pixels=max_pixels)
    return phash_of(small)


def phash_of(img: Image.Image) -> int:
    """The pHash of an already decoded image, as an unsigned 64-bit int."""
    bits = imagehash.phash(img, hash_size=8).hash.flatten()
    return int(np.packbits(bits).view(">u8")[0])
