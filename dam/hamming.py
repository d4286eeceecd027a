"""Near 64-bit hashes by Hamming distance, through four indexed 16-bit bands.

Multi-index hashing (Norouzi, Punjani & Fleet, 2012): split each hash into
``BANDS`` bands of 16 bits. If two hashes are at most ``d`` bits apart, the
differing bits fall in four bands, so at least one band differs by at most
``d // 4`` bits (pigeonhole). Looking up every band value within that radius of
the query's bands, each an exact match on an indexed column, therefore finds every
hash within ``d``; the candidates are then checked exactly. No Django here: the
selector (``dam.selectors.assets_similar``) and the benchmark share it.

Hashes are unsigned 64-bit ints here; a database's BIGINT is signed, so they are
stored through ``to_signed`` and read back through ``to_unsigned``.
"""
from __future__ import annotations

from functools import cache
from itertools import combinations

BANDS = 4
BAND_BITS = 16
_BAND_MASK = (1 << BAND_BITS) - 1


def distance(a: int, b: int) -> int:
    """Bits that differ between two unsigned 64-bit hashes."""
    return (a ^ b).bit_count()


def bands(h: int) -> tuple[int, ...]:
    """The four 16-bit bands of ``h`` (unsigned), the most significant first."""
    return tuple((h >> (BAND_BITS * (BANDS - 1 - i))) & _BAND_MASK for i in range(BANDS))


def band_radius(max_distance: int) -> int:
    """How far each band is searched so that no hash within ``max_distance`` is missed."""
    return max_distance // BANDS


@cache
def _flips(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask with at most ``radius`` bits set (1 + 16 + 120 for radius 2)."""
    masks = [0]
    for k in range(1, radius + 1):
        masks += [sum(1 << bit for bit in bits) for bits in combinations(range(BAND_BITS), k)]
    return tuple(masks)


def band_probes(h: int, max_distance: int) -> list[list[int]]:
    """Per band, the band values to look up for hashes within ``max_distance`` of ``h``."""
    flips = _flips(band_radius(max_distance))
    return [[value ^ mask for mask in flips] for value in bands(h)]


def to_signed(h: int) -> int:
    """An unsigned 64-bit hash as the signed BIGINT a database stores."""
    return h - (1 << 64) if h >= 1 << 63 else h


def to_unsigned(stored: int) -> int:
    """The unsigned hash back from a signed BIGINT."""
    return stored + (1 << 64) if stored < 0 else stored
