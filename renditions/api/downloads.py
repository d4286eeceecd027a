"""Many originals in one ZIP: the library's *Download originals* and any client.

``POST /api/assets/download`` with the assets as a bulk edit names them (``ids``, or
the list's ``query``) answers a ZIP streamed as it is written (nothing is held in
memory or on disk but one read buffer): each original as the asset page's download
gives it (with the asset's IPTC Image Regions in its XMP, ``original_rewriter``),
named by its uploaded file name (a repeated name gets " (2)"). Only the assets in
collections where the user may download originals count, trashed ones never; at
most ``DOWNLOAD_MAX`` assets and ``DOWNLOAD_MAX_BYTES`` of originals, refused with
400 before a byte is sent. A file that cannot be read once the ZIP is under way
(storage gone meanwhile) is left out and named in ``MISSING.txt`` at its end.
"""
from __future__ import annotations

import logging
import posixpath
import zipfile
from datetime import datetime, timezone

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import services as dam_services
from dam.conf import dam_setting
from dam.models import Asset

from . import bulk, permissions, selectors
from .views import _errors, _valid

log = logging.getLogger(__name__)

#: Bytes read from storage at a time (and the most the stream holds).
CHUNK = 1 << 20


class DownloadIn(bulk.Selection):
    """Which assets: ``ids`` or ``query`` (one of them), as in a bulk edit; ``check``:
    only what the ZIP would hold."""
    check = serializers.BooleanField(
        required=False, default=False,
        help_text="Only say what the ZIP would hold (JSON: assets, bytes), or why it is "
                  "refused: the library asks this before its form downloads.")

    def to_internal_value(self, data):
        if not hasattr(data, "getlist"):  # JSON
            return super().to_internal_value(data)
        # a page's form: its CSRF token aside, and the query's fields as query.<name>
        data = data.copy()
        data.pop("csrfmiddlewaretoken", None)
        unknown = sorted(name for name in data if name not in self.fields and not (
            name.startswith("query.") and name[6:] in self.fields["query"].fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return serializers.Serializer.to_internal_value(self, data)


class DownloadView(APIView):
    permission_classes = [permissions.allows(POST="download_original")]
    # a form's POST too, so that a page's download streams to disk as any download does
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(operation_id="assets_download", request=DownloadIn,
                   responses={(200, "application/zip"): OpenApiResponse(
                       description="A ZIP of the originals, streamed; with check, JSON "
                                   "{assets, bytes} instead."),
                              **_errors(400, 401, 403, 415, 429)},
                   summary="Download the originals of many assets as one ZIP (editors)")
    def post(self, request):
        body = _valid(DownloadIn, request)
        most = dam_setting("DOWNLOAD_MAX")
        pks = selectors.asset_pks_selected(user=request.user, ids=body.get("ids"),
                                           query=body.get("query"), limit=most,
                                           action="download_original")
        if not pks:
            raise exceptions.ValidationError(
                "None of these assets is yours to download (or they do not exist).")
        if len(pks) > most:
            raise exceptions.ValidationError(
                f"One download holds at most {most:,} original{'s' * (most != 1)}; "
                "select fewer.")
        assets = list(Asset.objects.filter(pk__in=pks).order_by("pk"))
        total, cap = sum(a.size_bytes for a in assets), dam_setting("DOWNLOAD_MAX_BYTES")
        if total > cap:
            raise exceptions.ValidationError(
                f"These originals come to {total / 2**20:,.0f} MiB; one download holds at "
                f"most {cap / 2**20:,.0f} MiB. Select fewer.")
        if body["check"]:
            return Response({"assets": len(assets), "bytes": total})
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(zip_chunks(assets), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(
            True, f"salient-originals-{stamp}.zip")
        response["Cache-Control"] = "private, no-store"
        return response


def zip_chunks(assets: list[Asset]):
    """The ZIP of the ``assets``' originals, chunk by chunk as it is written."""
    out = _Chunks()
    missing = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, asset in zip(entry_names(assets), assets):
            try:
                fp = asset.file.open("rb")
            except OSError as exc:  # gone from storage since it was selected
                log.warning("Download: %s not read: %s", asset.file.name, exc)
                missing.append(f"{name}\t{asset.uid}\t{exc}")
                continue
            with fp, zf.open(_entry(name), "w", force_zip64=True) as entry:
                for chunk in _original(asset, fp):
                    entry.write(chunk)
                    yield from out.take()
        if missing:
            zf.writestr("MISSING.txt", "Left out (could not be read):\n" + "\n".join(missing)
                        + "\n")
    yield from out.take()


def entry_names(assets: list[Asset]) -> list[str]:
    """Each asset's uploaded file name, made safe; a repeated one gets " (2)", " (3)"..."""
    seen, names = set(), []
    for asset in assets:
        base = posixpath.basename(asset.original_filename.replace("\\", "/")).strip()
        if base in ("", ".", ".."):
            base = str(asset.uid)
        stem, dot, ext = base.rpartition(".")
        stem, ext = (stem, f".{ext}") if dot and stem else (base, "")
        name, n = base, 1
        while name.casefold() in seen:
            n += 1
            name = f"{stem} ({n}){ext}"
        seen.add(name.casefold())
        names.append(name)
    return names


def _original(asset: Asset, fp):
    """The original's bytes as the asset page's download gives them."""
    chunks = dam_services.original_rewriter(asset, fp) if dam_services.original_rewriter else None
    if chunks is not None:
        yield from chunks
        return
    while chunk := fp.read(CHUNK):
        yield chunk


def _entry(name: str) -> zipfile.ZipInfo:
    """A file of the ZIP: dated now, readable by all who unpack it (rw-r--r--)."""
    info = zipfile.ZipInfo(name, datetime.now(timezone.utc).timetuple()[:6])
    info.external_attr = 0o644 << 16
    return info


class _Chunks:
    """A write-only stream that hands over what was written (``zipfile`` writes a
    stream it cannot seek with data descriptors)."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self):
        if self._parts:
            data, self._parts = b"".join(self._parts), []
            yield data
