"""Print the signed URL of a frame of any size: ``signed_url ASSET_ID 800x450``,
or of a print frame: ``signed_url ASSET_ID 90x60mm --dpi 300 --icc fogra39``."""
from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from dam.models import Asset
from renditions import delivery, print_frames
from renditions.engine import composition, printing
from renditions.engine.encoding import FORMATS
from renditions.icc import IccProfile
from renditions.models import FRAME_SIZE, PRINT_SIZE


class Command(BaseCommand):
    help = ("Print a signed URL for a frame of an asset: WxH pixels (800x450), a width "
            "and --aspect (800 --aspect 16:9), or WxHmm for print (90x60mm --dpi 300, "
            "optionally --icc SLUG --intent relative). The URL is absolute on "
            "SALIENT_PUBLIC_URL.")

    def add_arguments(self, parser):
        parser.add_argument("asset_id", help="The asset's id (a UUID, as in its URLs).")
        parser.add_argument("size", help="WxH in pixels, or a width with --aspect.")
        parser.add_argument("--aspect", help="A:B, e.g. 16:9, with a width for size.")
        parser.add_argument("--format", choices=FORMATS,
                            help="Fix the format (default: the browser's Accept header picks).")
        parser.add_argument("--expires", type=int, metavar="SECONDS",
                            help="The URL stops working after this many seconds.")
        parser.add_argument("--zoom", type=float, default=0.0,
                            help="0-1: closer to the subject (default 0, the largest crop).")
        parser.add_argument("--align", choices=composition.ALIGNS, default="auto",
                            help="Where the subject sits (default auto: most salient).")
        parser.add_argument("--pad", default="", help="Pad instead of cutting the subject: "
                            "'blur' or a colour like '#ffffff'.")
        parser.add_argument("--dpi", type=int, help="Print (a size in mm): dots per inch, "
                            f"{printing.DPI_MIN}-{printing.DPI_MAX} (default 300).")
        parser.add_argument("--icc", default="", help="Print: the slug of an ICC output "
                            "profile (admin); the frame is CMYK.")
        parser.add_argument("--intent", default="", choices=["", *printing.INTENTS],
                            help="Print, with --icc: the rendering intent (default "
                                 "DAM['PRINT_INTENT']).")

    def handle(self, *args, asset_id, size, aspect=None, format=None, expires=None, zoom=0.0,
               align="auto", pad="", dpi=None, icc="", intent="", **options):
        try:
            uid = uuid.UUID(asset_id)
        except ValueError:
            raise CommandError(f"{asset_id!r} is not an asset id (a UUID).") from None
        if not Asset.objects.filter(uid=uid).exists():
            raise CommandError(f"No asset {uid}.")
        try:
            compose = delivery.Composition(zoom, align, pad)
            if icc and not IccProfile.objects.filter(slug=icc).exists():
                raise CommandError(f"No ICC output profile {icc!r} (see the admin).")
            if PRINT_SIZE.fullmatch(size):
                wanted = print_frames.PrintRequest.of(*PRINT_SIZE.fullmatch(size).groups(),
                                                      dpi or 300, icc=icc, intent=intent,
                                                      fmt=format)
                url = print_frames.signed_print_url(uid, wanted, expires=expires,
                                                    compose=compose)
            elif dpi or icc or intent:
                raise CommandError("--dpi, --icc and --intent go with a size in mm (90x60mm).")
            else:
                width, height = _size(size, aspect)
                url = delivery.signed_url(uid, width, height, aspect=_aspect(aspect),
                                          fmt=format, expires=expires, compose=compose)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(url)


def _size(size: str, aspect: str | None) -> tuple[int, int | None]:
    match = FRAME_SIZE.fullmatch(size)
    if match:
        return int(match[1]), int(match[2])
    if size.isdigit() and aspect:
        return int(size), None
    raise CommandError(f"{size!r} is not a size: give WxH (800x450), a width with --aspect, "
                       "or WxHmm (90x60mm).")


def _aspect(aspect: str | None) -> tuple[int, int] | None:
    if not aspect:
        return None
    a, _, b = aspect.partition(":")
    if not (a.isdigit() and b.isdigit() and int(a) and int(b)):
        raise CommandError(f"{aspect!r} is not an aspect ratio: give A:B, e.g. 16:9.")
    return int(a), int(b)
