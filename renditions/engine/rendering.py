"""Apply a crop plan: crop, resize, sharpen lightly, encode.

``img`` comes from ``loading.open_full`` (oriented sRGB, RGB or RGBA) and the
box is in its pixels, (x0, y0, x1, y1) with x1/y1 exclusive. The file and the
metadata it carries: ``encoding``.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from PIL import Image, ImageColor, ImageFilter

from . import resample, workers
from .colour import flatten
from .encoding import FORMATS, embedded, encode
from .metadata_out import PublicMetadata
from .printing import Press
from .pyramid import Pyramid

#: Downscale factor from which the result gets a light unsharp mask (small
#: outputs, where it helps most and costs least; libvips does not sharpen).
SHARPEN_FROM = 4.0

_SHARPEN = ImageFilter.UnsharpMask(radius=0.8, percent=40, threshold=2)
#: Fewest output rows per strip when one rendition's resize is split over threads.
STRIP_ROWS = 64


def render(img: Image.Image | Pyramid, box: Sequence[int], size: tuple[int, int], *,
           fmt: str, quality: int, exif: bytes | None = None, threads: int = 1,
           content: Sequence[int] | None = None, fill: str = "",
           metadata: PublicMetadata | None = None, press: Press | None = None) -> bytes:
    """Return the encoded rendition of ``box`` (source px) at ``size`` (w, h) px.

    ``img``: the decoded image, or a ``Pyramid`` of it shared with other renditions.

    ``fmt`` is one of ``FORMATS``; ``quality`` 1-100 (ignored for PNG);
    ``exif`` (used without ``metadata``) defaults to ``img.info['exif']`` and
    is filtered either way;
    ``threads`` resample strips of the output side by side. With ``content``
    (output px) the box goes there and ``fill`` pads the rest (see ``pad``).
    ``metadata``: the public fields to embed (XMP, and EXIF Artist/Copyright in
    place of the source's; see ``embedded``). ``press``: print output (the
    resolution recorded, CMYK through an output profile; ``printing.Press``).
    """
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    source = img if isinstance(img, Pyramid) else Pyramid(img)
    if content is None:
        out = resize(source, box, size, threads=threads)
    else:
        out = pad(source, box, size, content, fill, threads=threads)
    if fmt == "jpeg":
        out = flatten(out)
    meta = embedded(source.image, fmt, exif, metadata)
    if press is not None:
        out, meta = press.apply(out, fmt, meta)
    return encode(out, fmt, quality, meta)


class Job(NamedTuple):
    """One rendition to make: ``box`` in source px, ``size`` (w, h) px; a padded
    one puts the box at ``content`` (output px) and fills the rest with ``fill``
    ("blur", or a colour "#rrggbb"); ``press``: print output, see ``render``."""
    box: Sequence[float]
    size: tuple[int, int]
    fmt: str
    quality: int
    content: Sequence[int] | None = None
    fill: str = ""
    press: Press | None = None


#: Least downscale a rendition keeps from a reduced decode: a JPEG decodes
#: (DCT scaling) to the largest size any of its renditions needs. The DCT
#: scaling low-passes as it reduces, so the resample left may be short: the
#: 9:16 story of a 100 MP photo decoded at 1/4 (1.06x left) is 47.3 dB PSNR
#: against the same decoded at 1/2 (2.1x left), 0.1 dB further from an exact
#: Lanczos of the whole decode; the other default profiles stay within 0.15 dB
#: of it (a grainy 12 MP photo's 640 px frame: 0.4 dB, decoded at 1/4 instead
#: of 1/2). The peak memory of its 7 renditions falls from 298 to 171 MB. The 5 %
#: kept lets the resample place a box that falls between decoded pixels
#: (exactly 1x would crop it half a pixel off: 29 dB on a sharp test chart).
MIN_SHRINK_AFTER_REDUCE = 1.05
#: The same rule where a request waits for the result (frames made on first
#: request); the name stays for callers.
FAST_SHRINK = MIN_SHRINK_AFTER_REDUCE


def decode_reduction(jobs: Sequence[Job], min_shrink: float = MIN_SHRINK_AFTER_REDUCE) -> int:
    """The largest JPEG decode reduction (1, 2, 4, 8) that every job allows.

    A job allows ``r`` when its box (source px) is still at least
    ``min_shrink`` times its output size after shrinking by ``r``.
    A 12 MP photo's 1600 px hero (2.5x) allows 2; a 100 MP photo's (7.6x) allows 4.
    """
    shrink = min((min((j.box[2] - j.box[0]) / j.size[0], (j.box[3] - j.box[1]) / j.size[1])
                  for j in jobs), default=1.0)
    reduce = 1
    while reduce < 8 and reduce * 2 * min_shrink <= shrink:
        reduce *= 2
    return reduce


def scale_jobs(jobs: Sequence[Job], source: tuple[int, int],
               decoded: tuple[int, int]) -> list[Job]:
    """The jobs with their boxes moved from ``source`` px to ``decoded`` px,
    exactly (fractional px): the resample places the box where it was, where a
    rounded box would move it up to half a decoded pixel (2 source px at 1/4:
    4.8 dB on a grainy 640 px frame)."""
    if tuple(decoded) == tuple(source):
        return list(jobs)
    (sw, sh), (dw, dh) = source, decoded
    return [j._replace(box=(j.box[0] * dw / sw, j.box[1] * dh / sh,
                            min(dw, j.box[2] * dw / sw), min(dh, j.box[3] * dh / sh)))
            for j in jobs]


def render_file(fp, jobs: Sequence[Job], *, source_size: tuple[int, int], max_pixels: int | None,
                threads: int = 2, min_shrink: float = MIN_SHRINK_AFTER_REDUCE,
                metadata: PublicMetadata | None = None) -> list[bytes]:
    """Decode ``fp`` once and render ``jobs`` (boxes in ``source_size`` px, oriented).

    A JPEG decodes at 1/2 to 1/8 when every job still shrinks ``min_shrink``
    times from there (``decode_reduction``): by default the largest size any
    job needs, so a 100 MP photo's 7 default renditions decode at 1/4 (1/16 of
    the memory) and a 12 MP one's at full size (its story needs 1.56x).
    ``metadata`` goes into every file (see ``render``). Raises
    ``loading.ImageError`` for a file that fails to decode.
    """
    decoded = Pyramid.open(fp, max_pixels=max_pixels, reduce=decode_reduction(jobs, min_shrink))
    return render_many(decoded, scale_jobs(jobs, source_size, decoded.size), threads=threads,
                       metadata=metadata)


def render_decoded(decoded: Pyramid, fp, jobs: Sequence[Job], *, max_pixels: int | None,
                   threads: int = 2, min_shrink: float = MIN_SHRINK_AFTER_REDUCE,
                   metadata: PublicMetadata | None = None) -> list[bytes]:
    """``render_file`` from a decode already made (the analysis' one): boxes in
    ``decoded.source_size`` px. ``fp`` is decoded again only when a job needs
    more pixels than ``decoded`` has (an editor's small crop of a huge photo)."""
    if decode_reduction(jobs, min_shrink) < decoded.reduced:
        return render_file(fp, jobs, source_size=decoded.source_size, max_pixels=max_pixels,
                           threads=threads, min_shrink=min_shrink, metadata=metadata)
    return render_many(decoded, scale_jobs(jobs, decoded.source_size, decoded.size),
                       threads=threads, metadata=metadata)


def render_many(img: Image.Image | Pyramid, jobs: Sequence[Job], *, threads: int = 2,
                metadata: PublicMetadata | None = None) -> list[bytes]:
    """Render ``jobs`` from one decoded ``img`` (or its ``Pyramid``), in order,
    on ``threads`` threads.

    Pillow releases the GIL while resampling and encoding, so renditions of a
    photo are made side by side, the costliest first so that the threads end
    together; they share the pyramid's levels, and the source is only read.
    """
    source = img if isinstance(img, Pyramid) else Pyramid(img)
    source.expect([(j.box, j.size) for j in jobs])
    if threads <= 1 or len(jobs) <= 1:  # one job: its strips share the threads
        return [_render_job(source, j, threads, metadata) for j in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -_cost(source, jobs[i]))
    done = dict(zip(order, workers.pool("renders", threads).map(
        lambda i: _render_job(source, jobs[i], 1, metadata), order)))
    return [done[i] for i in range(len(jobs))]


def _cost(source: Pyramid, job: Job) -> float:
    """A job's work, roughly: the level px its resample reads plus its output px."""
    x0, y0, x1, y1 = job.box
    factor = source.choose(job.box, job.size)
    return (x1 - x0) * (y1 - y0) / factor ** 2 + 4 * job.size[0] * job.size[1]


def _render_job(img: Pyramid, job: Job, threads: int,
                metadata: PublicMetadata | None) -> bytes:
    return render(img, job.box, job.size, fmt=job.fmt, quality=job.quality, threads=threads,
                  content=job.content, fill=job.fill, metadata=metadata, press=job.press)


#: The blurred fill: Gaussian radius as a share of the frame's longer side,
#: applied at 1/BLUR_SHRINK of the size (the same look, a fraction of the work).
BLUR_RADIUS = 0.04
BLUR_SHRINK = 4


def pad(img: Image.Image | Pyramid, box: Sequence[int], size: tuple[int, int],
        content: Sequence[int], fill: str, *, threads: int = 1) -> Image.Image:
    """``box`` (source px) scaled into ``content`` (output px) of a ``size`` frame;
    the rest is ``fill``: a colour "#rrggbb", or "blur", the crop itself scaled
    to cover the frame and blurred (Cloudinary's blurred background)."""
    x0, y0, x1, y1 = (int(v) for v in content)
    inner = resize(img, box, (x1 - x0, y1 - y0), threads=threads)
    img = img.image if isinstance(img, Pyramid) else img
    if fill == "blur":
        canvas = _blurred(img, box, size)
    else:
        colour = ImageColor.getrgb(fill or "#ffffff")
        canvas = Image.new(img.mode, tuple(size), colour + (255,) * (img.mode == "RGBA"))
    canvas.paste(inner, (x0, y0))
    return canvas


def _blurred(img: Image.Image, box: Sequence[int], size: tuple[int, int]) -> Image.Image:
    bx0, by0, bx1, by1 = box
    a, b = size
    w, h = bx1 - bx0, by1 - by0
    if w * b > h * a:  # the crop is wider than the frame: take its middle, full height
        cw = max(1, round(h * a / b))
        cover = (bx0 + (w - cw) // 2, by0, bx0 + (w - cw) // 2 + cw, by1)
    else:
        ch = max(1, round(w * b / a))
        cover = (bx0, by0 + (h - ch) // 2, bx1, by0 + (h - ch) // 2 + ch)
    small = (max(1, a // BLUR_SHRINK), max(1, b // BLUR_SHRINK))
    back = img.resize(small, Image.Resampling.BILINEAR, box=cover, reducing_gap=2.0)
    back = back.filter(ImageFilter.GaussianBlur(BLUR_RADIUS * max(small)))
    return back.resize(tuple(size), Image.Resampling.BILINEAR)


def resize(img: Image.Image | Pyramid, box: Sequence[int], size: tuple[int, int], *,
           threads: int = 1) -> Image.Image:
    """Crop ``box`` (px of ``img``, or of the pyramid's decoded image) and scale
    it to ``size`` (w, h) px.

    Lanczos from the smallest pyramid level that leaves a ``pyramid.LEVEL_GAP``
    shrink (the levels are box-filtered reductions by 2, shared by the
    renditions of one image), then Pillow's two-step reduce (``reducing_gap``)
    for speed without aliasing; alpha is premultiplied by Pillow during the
    resize. Sharpened lightly when ``box`` shrinks by ``SHARPEN_FROM`` or more.
    Gamma-linear resampling is not done: at 8 bits per channel it costs about
    3x and changes little on photos. ``threads`` > 1 resamples horizontal
    strips side by side (Pillow releases the GIL); each output row is computed
    as in one piece, up to the float rounding of a strip's scale (a level, in a
    few pixels in a thousand).
    """
    source = img if isinstance(img, Pyramid) else Pyramid(img)
    box, size = _px_box(box), tuple(size)
    _check_box(box, source.size)
    if (box[2] - box[0], box[3] - box[1]) == size and all(isinstance(v, int) for v in box):
        return source.image.crop(box)
    level, level_box = source.source_for(box, size)
    out = None
    if source.source_size[0] * source.source_size[1] < resample.PACKED_BELOW:
        out = _lanczos(source, box, size)  # libvips where it applies
    if out is None and threads > 1 and size[1] >= STRIP_ROWS * threads:
        out = _resize_strips(level, level_box, size, threads)
    elif out is None:
        out = level.resize(size, Image.Resampling.LANCZOS, box=level_box, reducing_gap=2.0)
    if (box[2] - box[0]) / size[0] >= SHARPEN_FROM:
        out = _sharpen(out)
    return out


def _lanczos(source: Pyramid, box, size: tuple[int, int]) -> Image.Image | None:
    """``resample.lanczos`` from the level ``source.choose`` picks, or from the
    deepest one above it where the box falls on whole px (the 200 px thumb's
    box at 1/4 falls between px, at 1/2 it does not); None (Pillow resamples
    the level) where only the decode itself would do."""
    factor = source.choose(box, size, whole=True)
    level, level_box = source.level(factor), tuple(v / factor for v in box)
    return resample.lanczos(level, level_box, size, region=source.region(factor))


def _resize_strips(img: Image.Image, box, size: tuple[int, int], threads: int) -> Image.Image:
    """``img.resize`` of ``box`` in ``threads`` strips of output rows: a strip's
    box starts where its first row's does, so its filter weights are the same.
    Pillow's reduce step (``reducing_gap``) is taken once, as ``resize`` takes it."""
    img, (x0, y0, x1, y1) = _reduce_once(img, box, size)
    step = (y1 - y0) / size[1]
    cuts = [round(size[1] * i / threads) for i in range(threads + 1)]

    def strip(i: int) -> Image.Image:
        lo, hi = cuts[i], cuts[i + 1]
        return img.resize((size[0], hi - lo), Image.Resampling.LANCZOS,
                          box=(x0, y0 + lo * step, x1, y0 + hi * step))

    out = Image.new(img.mode, size)
    for lo, part in zip(cuts, workers.pool("strips", threads).map(strip, range(threads))):
        out.paste(part, (0, lo))
    return out


def _reduce_once(img: Image.Image, box, size, gap: float = 2.0):
    """What ``Image.resize(..., reducing_gap=gap)`` does before it resamples:
    the image reduced by whole factors around ``box``, and the box in it."""
    fx = int((box[2] - box[0]) / size[0] / gap) or 1
    fy = int((box[3] - box[1]) / size[1] / gap) or 1
    if fx == 1 and fy == 1:
        return img, box
    safe = img._get_safe_box(size, Image.Resampling.LANCZOS, box)  # resize's own margin
    reduced = img.reduce((fx, fy), box=safe)
    return reduced, ((box[0] - safe[0]) / fx, (box[1] - safe[1]) / fy,
                     (box[2] - safe[0]) / fx, (box[3] - safe[1]) / fy)


def _sharpen(img: Image.Image) -> Image.Image:
    """Unsharp-mask the colour channels only (alpha stays as resampled); the
    blur by libvips where it can (``resample.unsharp``), else Pillow's."""
    if img.mode == "RGB":
        out = resample.unsharp(img, _SHARPEN.radius, _SHARPEN.percent, _SHARPEN.threshold)
        if out is not None:
            return out
    if img.mode != "RGBA":
        return img.filter(_SHARPEN)
    out = img.convert("RGB").filter(_SHARPEN)
    out.putalpha(img.getchannel("A"))
    return out


def _px_box(box) -> tuple:
    """``box`` as ints where it is whole (a plan's), else as floats (a box moved
    into a reduced decode)."""
    return tuple(int(v) if float(v).is_integer() else float(v) for v in box)


def _check_box(box, size) -> None:
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]):
        raise ValueError(f"crop box {box} is not inside the {size[0]}x{size[1]} image")
