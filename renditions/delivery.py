"""Delivery's rules: which frames a URL may ask for (a signature or the
allow-list), a profile's srcset widths, format negotiation, and the focal point
as CSS ``object-position``. Reads only; ``renditions.frames`` makes the files.

A frame URL is ``/d/<asset id>/<W>x<H>`` with optional ``fm`` (format), ``exp``
(expiry, Unix seconds) and ``s``: Django's signature, keyed by the secret key,
of the asset id, size, format and expiry. Sizes in ``DAM["FRAME_SIZES"]`` need
no signature. Python: ``signed_url(asset, 800, 450)``; the shell:
``manage.py signed_url ASSET_ID 800x450``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from dam.conf import public_url

from .conf import setting
from .engine import composition
from .engine.encoding import FORMATS
from .engine.sizing import profile_aspect
from .models import Analysis, Rendition, RenditionProfile

SALT = "salient.frame"
#: Formats offered to a browser that says it accepts them, best first.
NEGOTIABLE = ("avif", "webp")


class Refused(Exception):
    """A frame this URL may not ask for; the message is the one-line reason (403)."""


@dataclass(frozen=True)
class Composition:
    """A frame's composition controls (``z``, ``align``, ``pad`` in its URL):
    zoom 0-1 toward the subject, subject alignment, pad instead of cut; and
    ``whole=1``: the whole photo, whatever crop an editor set for the frame's
    aspect (the ``<salient-img>`` element's ladder, which it crops itself)."""

    zoom: float = 0.0
    align: str = "auto"
    pad: str = ""
    whole: bool = False

    def __post_init__(self):
        if not 0.0 <= self.zoom <= 1.0:
            raise ValueError("z (zoom) is between 0 and 1.")
        composition.check(self.align, self.pad)

    @classmethod
    def from_query(cls, params) -> "Composition":
        """From a URL's query; ValueError names a bad value."""
        try:
            zoom = round(float(params.get("z") or 0), 2)
        except ValueError:
            raise ValueError("z (zoom) is a number between 0 and 1.") from None
        return cls(zoom, params.get("align") or "auto", params.get("pad") or "",
                   params.get("whole") == "1")

    def changes(self) -> dict:
        """The controls that differ from the defaults (what a URL and a key carry)."""
        return {name: value for name, value in (("z", self.zoom), ("align", self.align),
                                                ("pad", self.pad), ("whole", int(self.whole)))
                if value != getattr(Composition, _FIELD[name])}

    def suffix(self) -> str:
        """For a frame's spec: "-z0.5-thirds-blur", empty for the defaults."""
        return "".join(f"-{k}{v}" if k == "z" else "-whole" if k == "whole"
                       else f"-{v}".replace("#", "")
                       for k, v in self.changes().items())


_FIELD = {"z": "zoom", "align": "align", "pad": "pad", "whole": "whole"}


def frame_size(width: int, height: int | None = None, *,
               aspect: tuple[int, int] | None = None) -> tuple[int, int]:
    """A frame's size in px: ``width`` x ``height``, or the ``aspect`` (a, b) at ``width``.

    Raises ValueError naming the problem for a size outside 1..FRAME_MAX_SIDE.
    """
    if height is None:
        if not aspect or min(aspect) < 1:
            raise ValueError("Give a height or an aspect ratio such as 16:9.")
        height = max(1, round(width * aspect[1] / aspect[0]))
    longest = setting("FRAME_MAX_SIDE")
    if not (1 <= width <= longest and 1 <= height <= longest):
        raise ValueError(f"A frame is 1 to {longest} px on each side; {width}x{height} is not.")
    return width, height


def signed_url(asset_uid, width: int, height: int | None = None, *,
               aspect: tuple[int, int] | None = None, fmt: str | None = None,
               expires: int | None = None, compose: Composition = Composition(),
               absolute: bool = True) -> str:
    """The signed URL of a ``width`` x ``height`` px frame of an asset (by its uid).

    ``fmt`` fixes the format (else the browser's Accept header picks it);
    ``expires``: seconds the URL works, or None for always; ``compose``: the
    composition controls (zoom, alignment and pad). Absolute on SALIENT_PUBLIC_URL
    unless ``absolute`` is false.
    """
    width, height = frame_size(width, height, aspect=aspect)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    exp = int(time.time()) + expires if expires else None
    query = {k: v for k, v in (("fm", fmt), ("exp", exp)) if v is not None}
    query.update(compose.changes())
    query["s"] = _signature(asset_uid, width, height, fmt, exp, compose)
    path = f"{reverse('deliver-frame', args=[asset_uid, width, height])}?{urlencode(query)}"
    return public_url() + path if absolute else path


def check_frame(asset_uid, width: int, height: int, params) -> Composition:
    """The frame's composition, or Refused unless ``params`` (the query) may ask
    for this frame. Composition controls, like any size off the allow-list,
    need a signature: they too choose how much work a URL makes."""
    try:
        frame_size(width, height)
        wanted = Composition.from_query(params)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    signature = params.get("s")
    if not signature:
        if f"{width}x{height}" in setting("FRAME_SIZES") and not wanted.changes():
            return wanted
        asked = f"The size {width}x{height}" + (" with z, align or pad" * bool(wanted.changes()))
        raise Refused(f"{asked} needs a signed URL (manage.py signed_url) or a place in "
                      "DAM['FRAME_SIZES'].")
    exp = params.get("exp") or None
    expected = _signature(asset_uid, width, height, params.get("fm") or None, exp, wanted)
    if not constant_time_compare(signature, expected):
        raise Refused("The signature does not match this URL.")
    if exp is not None and int(exp) < time.time():
        raise Refused("This signed URL has expired.")
    return wanted


def _signature(asset_uid, width, height, fmt, exp, wanted: Composition) -> str:
    controls = "&".join(f"{k}={v}" for k, v in wanted.changes().items())
    value = f"{asset_uid}/{width}x{height}?fm={fmt or ''}&exp={exp or ''}&{controls}"
    return signing.Signer(salt=SALT).signature(value)


def negotiate(accept: str, *, default: str) -> str:
    """The best of NEGOTIABLE that the ``Accept`` header takes (q > 0), else ``default``."""
    accepted = set()
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        q = params.replace(" ", "").partition("q=")[2]
        try:
            if q and float(q) <= 0:
                continue
        except ValueError:
            continue
        accepted.add(media.strip().lower())
    return next((fmt for fmt in NEGOTIABLE if f"image/{fmt}" in accepted), default)


def negotiates(profile: RenditionProfile) -> bool:
    """Whether the stable URL may swap the profile's format (a PNG stays lossless, a
    print file as it is)."""
    return (profile.negotiate and profile.format != RenditionProfile.Format.PNG
            and not profile.is_print)


def srcset_widths(rendition: Rendition) -> list[int]:
    """The widths in px a profile's rendition comes in, its own width among them.

    The profile's ``srcset_widths``, else DAM["SRCSET_FACTORS"] of the
    rendition's width; without upscaling none is wider than the crop, whose
    own width then closes the ladder.
    """
    profile, base = rendition.profile, rendition.width
    if profile.is_print:  # one size: its mm at its dpi
        return [base]
    wanted = profile.widths or [round(base * f) for f in setting("SRCSET_FACTORS")]
    cap = None if profile.allow_upscale else rendition.crop_x1 - rendition.crop_x0
    widths = {w for w in wanted if w >= 16 and (cap is None or w <= cap)} | {base}
    if cap is not None and max(wanted, default=0) > cap and cap > max(widths) * 1.1:
        widths.add(cap)
    return sorted(widths)


def variant_height(rendition: Rendition, width: int) -> int:
    """The height in px of the rendition's crop at ``width`` px."""
    return max(1, round(width * rendition.height / rendition.width))


def srcset(url: str, widths: list[int], fmt: str | None = None) -> str:
    """``srcset`` for the stable ``url`` at ``widths`` (``fm`` fixes a format)."""
    sep = "&" if "?" in url else "?"
    extra = f"&fm={fmt}" if fmt else ""
    return ", ".join(f"{url}{sep}w={w}{extra} {w}w" for w in widths)


def responsive(rendition: Rendition, url: str, analysis: Analysis | None,
               size: tuple[int, int]) -> dict:
    """What a page needs to show ``rendition`` from its stable ``url``: its
    ``widths``, ``srcset``, ``sources`` (media type -> srcset: AVIF and WebP where
    the profile negotiates) and ``object_position``; ``size`` is the original's
    (w, h) px. The JSON and the template tags both give these."""
    widths = srcset_widths(rendition)
    formats = NEGOTIABLE if negotiates(rendition.profile) else ()
    return {"widths": widths, "srcset": srcset(url, widths),
            "sources": {f"image/{fmt}": srcset(url, widths, fmt) for fmt in formats},
            "object_position": object_position(analysis, rendition.crop_box, size)}


def object_position(analysis: Analysis | None, box, size: tuple[int, int]) -> str:
    """CSS ``object-position`` that keeps the focal point in view: its place
    inside the crop ``box`` (px of the ``size`` (w, h) original), in percent;
    the centre without an analysis."""
    if analysis is None:
        return "50% 50%"
    w, h = size
    x0, y0, x1, y1 = box
    px = (analysis.focal_x * w - x0) / max(1, x1 - x0)
    py = (analysis.focal_y * h - y0) / max(1, y1 - y0)
    return f"{_percent(px)} {_percent(py)}"


def _percent(share: float) -> str:
    return f"{round(min(1.0, max(0.0, share)) * 100, 1):g}%"


def same_aspect(profile: RenditionProfile, width: int, height: int) -> bool:
    """Whether a ``width`` x ``height`` frame has the profile's aspect (within 1 %)."""
    ratio = profile_aspect(aspect=profile.aspect, width=profile.width, height=profile.height)
    return bool(ratio) and abs(ratio[0] / ratio[1] * height / width - 1) <= 0.01
