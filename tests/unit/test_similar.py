"""Near-duplicate hashing (renditions.engine.similarity) and the banded index's
arithmetic (dam.hamming): pure, no Django, no database."""
from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageEnhance, ImageOps

from dam import hamming
from renditions.engine.similarity import image_hash
from tests.conftest import make_photo


def _jpeg(image: Image.Image, quality: int = 90) -> io.BytesIO:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return buf


ORIGINAL = Image.open(io.BytesIO(make_photo(1200, 800))).convert("RGB")

COPIES = {
    "resize 50 %": lambda im: im.resize((600, 400), Image.LANCZOS),
    "resize 25 %": lambda im: im.resize((300, 200), Image.LANCZOS),
    "brightness +15 %": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "contrast -15 %": lambda im: ImageEnhance.Contrast(im).enhance(0.85),
    "grey": lambda im: ImageOps.grayscale(im).convert("RGB"),
}


@pytest.mark.parametrize("kind", COPIES)
def test_a_generated_copy_hashes_within_the_shipped_distance(kind):
    original = image_hash(_jpeg(ORIGINAL))
    copy = image_hash(_jpeg(COPIES[kind](ORIGINAL), quality=40))
    assert hamming.distance(original, copy) <= 10


def test_a_mirror_and_a_different_photo_are_far():
    original = image_hash(_jpeg(ORIGINAL))
    assert hamming.distance(original, image_hash(_jpeg(ImageOps.mirror(ORIGINAL)))) > 16
    other = image_hash(io.BytesIO(make_photo(1200, 800, subject=(0.2, 0.7))))
    assert hamming.distance(original, other) > 16


def test_the_hash_is_64_bits_unsigned_and_follows_the_exif_orientation():
    plain = image_hash(_jpeg(ORIGINAL))
    assert 0 <= plain < 2 ** 64
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown rotated 90 degrees clockwise
    buf = io.BytesIO()
    ORIGINAL.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=90, exif=exif)
    assert hamming.distance(plain, image_hash(buf)) <= 4


def test_bands_split_the_hash_most_significant_first():
    assert hamming.bands(0x0123_4567_89AB_CDEF) == (0x0123, 0x4567, 0x89AB, 0xCDEF)
    assert hamming.bands(0) == (0, 0, 0, 0)


@pytest.mark.parametrize("h", [0, 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 0xDEADBEEF_CAFEF00D])
def test_signed_storage_round_trips_within_bigint(h):
    stored = hamming.to_signed(h)
    assert -2 ** 63 <= stored < 2 ** 63 and hamming.to_unsigned(stored) == h


@pytest.mark.parametrize("max_distance, radius, per_band", [(3, 0, 1), (7, 1, 17),
                                                            (10, 2, 137), (15, 3, 697)])
def test_each_band_is_searched_within_the_radius_that_cannot_miss(max_distance, radius,
                                                                   per_band):
    assert hamming.band_radius(max_distance) == radius
    probes = hamming.band_probes(0xFFFF_0000_AAAA_5555, max_distance)
    assert [len(set(p)) for p in probes] == [per_band] * 4


@pytest.mark.parametrize("max_distance", [3, 7, 10, 15])
def test_every_hash_within_the_distance_shares_a_probed_band(max_distance):
    """The pigeonhole guarantee, on random hashes with exactly d bits flipped (d up to
    the distance), and its limit: a hash just past it may fall through."""
    rng = random.Random(max_distance)
    for _ in range(300):
        h = rng.getrandbits(64)
        probes = [set(p) for p in hamming.band_probes(h, max_distance)]
        d = rng.randint(0, max_distance)
        near = h
        for bit in rng.sample(range(64), d):
            near ^= 1 << bit
        assert hamming.distance(h, near) == d
        assert any(band in probed for band, probed in zip(hamming.bands(near), probes))
    spread = sum(1 << (16 * i + j) for i in range(4) for j in range(max_distance // 4 + 1))
    far = hamming.band_probes(0, max_distance)
    assert hamming.distance(0, spread) == 4 * (max_distance // 4 + 1)
    assert not any(band in set(p) for band, p in zip(hamming.bands(spread), far))
