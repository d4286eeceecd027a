"""Print frames: a frame asked for in millimetres at a resolution, as JPEG or
TIFF, in CMYK when the URL names an output ICC profile an admin uploaded.

``/d/<asset id>/<W>x<H>mm?dpi=300`` with optional ``icc`` (an ``IccProfile``
slug), ``intent`` (with ``icc``: perceptual, relative, saturation, absolute;
default ``DAM["PRINT_INTENT"]``), ``fm`` (jpeg or tiff; default jpeg), the
composition controls of pixel frames (``z``, ``align``, ``pad``), ``exp`` and
``s``: Django's signature of all of these. A print frame always needs a
signature. Its size is ``round(W / 25.4 * dpi)`` x ``round(H / 25.4 * dpi)``
px (``engine.printing``), within ``DAM["FRAME_MAX_SIDE"]``; the crop is
planned for that size by the same rules as any frame (``frames.frame_ensure``),
upscaled where the crop is smaller, so the print has its size.
Python: ``signed_print_url(uid, PrintRequest.of("90", "60", 300))``; the shell:
``manage.py signed_url ASSET_ID 90x60mm --dpi 300``.
"""
from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from dam.conf import public_url

from . import delivery
from .conf import setting
from .engine import printing
from .icc import IccProfile
from .models import RenditionProfile

SALT = "salient.print"
_FORMATS = {"jpeg": "jpeg", "jpg": "jpeg", "tiff": "tiff", "tif": "tiff"}
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@dataclass(frozen=True)
class PrintRequest:
    """What a print URL asks for: ``width_mm`` x ``height_mm`` at ``dpi``, in
    ``fmt``; with ``icc`` (a profile's slug) in CMYK with ``intent`` ("": the
    default)."""

    width_mm: Decimal
    height_mm: Decimal
    dpi: int
    icc: str = ""
    intent: str = ""
    fmt: str = "jpeg"

    @classmethod
    def of(cls, width_mm, height_mm, dpi, *, icc: str = "", intent: str = "",
           fmt: str | None = None) -> "PrintRequest":
        """Checked values; ValueError names the first bad one."""
        fmt = _FORMATS.get(str(fmt or "jpeg").lower())
        if fmt is None:
            raise ValueError("fm is jpeg or tiff for a print frame.")
        if icc and not _SLUG.fullmatch(icc):
            raise ValueError("icc is the slug of an ICC output profile (letters, digits, - _).")
        if intent and not icc:
            raise ValueError("intent needs icc: it says how colours go to a press's CMYK.")
        if intent:
            printing.check_intent(intent)
        request = cls(printing.parse_mm(width_mm), printing.parse_mm(height_mm),
                      printing.check_dpi(dpi), icc, intent, fmt)
        _ = request.size  # raises beyond the frame limits
        return request

    @classmethod
    def from_query(cls, width_mm, height_mm, params) -> "PrintRequest":
        if not params.get("dpi"):
            raise ValueError(f"A print frame needs dpi, a whole number from {printing.DPI_MIN} "
                             f"to {printing.DPI_MAX}.")
        return cls.of(width_mm, height_mm, params["dpi"], icc=params.get("icc") or "",
                      intent=params.get("intent") or "", fmt=params.get("fm"))

    @property
    def label(self) -> str:
        """"90.5x60mm", as in the URL."""
        return f"{printing.mm_text(self.width_mm)}x{printing.mm_text(self.height_mm)}mm"

    @property
    def size(self) -> tuple[int, int]:
        """(w, h) px; ValueError beyond DAM["FRAME_MAX_SIDE"]."""
        width, height = printing.print_size(self.width_mm, self.height_mm, self.dpi)
        longest = setting("FRAME_MAX_SIDE")
        if max(width, height) > longest:
            raise ValueError(f"{self.label} at {self.dpi} dpi is {width}x{height} px; a frame "
                             f"is at most {longest} px on each side.")
        return width, height

    @property
    def spec(self) -> str:
        """A frame's spec without format and controls: "90.5x60mm-300dpi-fogra-relative"."""
        colour = f"-{self.icc}-{self.intent or setting('PRINT_INTENT')}" if self.icc else ""
        return f"{self.label}-{self.dpi}dpi{colour}"

    def query(self) -> dict:
        """The URL's own parameters (what it shows, defaults left out)."""
        query = {"dpi": self.dpi, "icc": self.icc, "intent": self.intent,
                 "fm": "" if self.fmt == "jpeg" else self.fmt}
        return {k: v for k, v in query.items() if v}


def signed_print_url(asset_uid, request: PrintRequest, *, expires: int | None = None,
                     compose: delivery.Composition = delivery.Composition(),
                     absolute: bool = True) -> str:
    """The signed URL of a print frame of an asset (by its uid); ``expires``:
    seconds it works, None for always. Absolute on SALIENT_PUBLIC_URL unless
    ``absolute`` is false."""
    exp = int(time.time()) + expires if expires else None
    query = {**request.query(), **({"exp": exp} if exp else {}), **compose.changes()}
    query["s"] = _signature(asset_uid, request, exp, compose)
    path = reverse("deliver-print", args=[asset_uid, printing.mm_text(request.width_mm),
                                          printing.mm_text(request.height_mm)])
    path = f"{path}?{urlencode(query)}"
    return public_url() + path if absolute else path


def check_print(asset_uid, width_mm: str, height_mm: str,
                params) -> tuple[PrintRequest, delivery.Composition]:
    """What a print URL asks for; ValueError (a bad value: 400) or
    ``delivery.Refused`` (no or a wrong signature, expired: 403)."""
    request = PrintRequest.from_query(width_mm, height_mm, params)
    compose = delivery.Composition.from_query(params)
    signature = params.get("s")
    if not signature:
        raise delivery.Refused("A print frame needs a signed URL (manage.py signed_url "
                               "ASSET_ID 90x60mm --dpi 300).")
    exp = params.get("exp") or None
    if not constant_time_compare(signature, _signature(asset_uid, request, exp, compose)):
        raise delivery.Refused("The signature does not match this URL.")
    if exp is not None and int(exp) < time.time():
        raise delivery.Refused("This signed URL has expired.")
    return request, compose


def _signature(asset_uid, request: PrintRequest, exp, compose: delivery.Composition) -> str:
    controls = "&".join(f"{k}={v}" for k, v in compose.changes().items())
    value = (f"{asset_uid}/{request.label}?dpi={request.dpi}&icc={request.icc}"
             f"&intent={request.intent}&fm={request.fmt}&exp={exp or ''}&{controls}")
    return signing.Signer(salt=SALT).signature(value)


def press(request: PrintRequest) -> printing.Press:
    """How the frame's file is made; ``IccProfile.DoesNotExist`` for an unknown icc."""
    icc = IccProfile.objects.get(slug=request.icc) if request.icc else None
    return _press(request.dpi, icc, request.intent)


def profile_press(profile: RenditionProfile) -> printing.Press | None:
    """A print profile's press (None for a pixel profile)."""
    if not profile.is_print:
        return None
    return _press(profile.dpi, profile.icc_profile, "")


def _press(dpi: int, icc: IccProfile | None, intent: str) -> printing.Press:
    if icc is None:
        return printing.Press(dpi=dpi)
    return printing.Press(dpi=dpi, icc=_icc_bytes(icc.pk, icc.sha256),
                          intent=intent or setting("PRINT_INTENT"),
                          bpc=bool(setting("PRINT_BLACK_POINT_COMPENSATION")))


@functools.lru_cache(maxsize=8)
def _icc_bytes(pk: int, sha256: str) -> bytes:
    """A profile's bytes, read once per process (a new upload has a new sha256)."""
    return IccProfile.objects.get(pk=pk).read()


def api_url(asset_uid, query: dict, compose: delivery.Composition):
    """The API's frame-URL call for a print size (``query``: FrameUrlQuery's
    values, ``print`` the size's match): the PrintRequest and its signed relative
    URL. ValueError for a bad value or an unknown icc."""
    width_mm, height_mm = query["print"].groups()
    wanted = PrintRequest.of(width_mm, height_mm, query["dpi"] or 300, icc=query["icc"],
                             intent=query["intent"], fmt=query["fm"])
    if wanted.icc and not IccProfile.objects.filter(slug=wanted.icc).exists():
        raise ValueError(f"No ICC output profile {wanted.icc!r}.")
    path = signed_print_url(asset_uid, wanted, expires=query["expires"], compose=compose,
                            absolute=False)
    return wanted, path
