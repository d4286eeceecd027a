"""The delivery matrix (issue 24): what every public URL of an asset answers, by kind,
through an asset's life: delivered, under embargo, after it lifts, after its licence
ends, its file replaced (before and after the new renditions), in the trash, restored,
purged. One asset goes through the states in order; each row is asserted, and the
table is written to ``artifacts/delivery-matrix.md`` for the docs and the notes."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from renditions import purge, trash
from renditions import rights as rights_service
from renditions import services
from renditions.print_frames import PrintRequest, signed_print_url
from tests.integration._api import _client
from tests.integration.test_rights import T0, _public_urls, clock  # noqa: F401 (fixture)
from tests.integration.test_webhooks import sent  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
H = timedelta(hours=1)
KINDS = ("stable", "srcset width", "format variant", "signed frame", "print frame",
         "rendition file", "frame file", "asset JSON", "original")
OK = dict.fromkeys(KINDS[:-1], 200) | {"original": 302}  # originals: never public
GONE = dict.fromkeys(KINDS[:-2], 410) | {"asset JSON": 200, "original": 302}
#: state -> what each kind answers anonymously (the original: a redirect to sign in,
#: then 404 to anyone who may not download originals; see test_security).
EXPECTED = {
    "delivered": OK,
    "embargoed": GONE,
    "embargo lifted": OK,
    "licence ended": GONE,
    "licence renewed": OK,
    "file replaced, renditions not yet remade": OK,
    # the old content-addressed files are gone; the stable URLs serve the new pixels
    "file replaced, renditions remade": OK | {"rendition file": 404, "frame file": 404},
    "in the trash": GONE | {"asset JSON": 404},
    "restored": OK,
    "purged": dict.fromkeys(KINDS[:-1], 404) | {"original": 302},
}


def _urls(asset) -> dict[str, str]:
    urls = _public_urls(asset)  # each requested once, so its file exists
    urls["print frame"] = signed_print_url(asset.uid, PrintRequest.of("90", "60", 72),
                                           absolute=False)
    assert _client(None).get(urls["print frame"]).status_code == 200
    urls["asset JSON"] = reverse("asset-json", args=[asset.uid])
    urls["original"] = reverse("dam:original", args=[asset.file.name])
    return urls


def _answers(urls) -> dict[str, int]:
    client = _client(None)
    return {kind: client.get(url).status_code for kind, url in urls.items()}


def _recompressed(asset) -> bytes:
    out = io.BytesIO()
    with asset.file.open("rb") as fp:
        Image.open(fp).save(out, "JPEG", quality=70)
    return out.getvalue()


def _says_why_not_what(asset, editor, why: str) -> None:
    """While withheld, the public JSON says why and until when, not what the photo
    shows or says (an embargoed caption is the news that may not run yet); viewers
    see it all."""
    public = _client(None).get(reverse("asset-json", args=[asset.uid])).json()
    assert public["rights"] == why and public["id"] == str(asset.uid)
    assert public["title"] == public["caption"] == public["alt_text"] == ""
    assert public["renditions"] == {} and public["image_regions"] == [] and not public["keywords"]
    seen = _client(editor).get(reverse("asset-json", args=[asset.uid])).json()
    assert seen["title"] == asset.title != "" and seen["renditions"] and seen["rights"] == why


def _write(rows: dict[str, dict[str, int]]) -> None:
    lines = ["| state | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    lines += [f"| {state} | " + " | ".join(str(row[k]) for k in KINDS) + " |"
              for state, row in rows.items()]
    out = Path(__file__).resolve().parents[2] / "artifacts" / "delivery-matrix.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


def test_every_url_kind_through_an_assets_life(processed, users, clock, sent):
    asset, editor = processed, users["editor"]
    urls, rows = _urls(asset), {}

    def state(name):
        rows[name] = _answers(urls)
        assert rows[name] == EXPECTED[name], name

    def dates(**values):
        for field, value in values.items():
            setattr(asset, field, value)
        asset.save(update_fields=list(values))
        rights_service.rights_apply()

    state("delivered")
    dates(embargo_until=T0 + H)
    state("embargoed")
    _says_why_not_what(asset, editor, "embargoed")
    clock.at(T0 + H)
    rights_service.rights_apply()
    state("embargo lifted")
    dates(embargo_until=None, expires_at=T0 + H)
    state("licence ended")
    _says_why_not_what(asset, editor, "expired")
    dates(expires_at=None)
    state("licence renewed")
    stable_before = _client(None).get(urls["stable"]).getvalue()
    replaced = _client(editor).post(
        reverse("api-asset-file", args=[asset.uid]), format="multipart",
        data={"file": SimpleUploadedFile("again.jpg", _recompressed(asset),
                                         content_type="image/jpeg")})
    assert replaced.status_code == 202, replaced.content
    state("file replaced, renditions not yet remade")
    services.asset_process(asset_id=asset.pk)
    state("file replaced, renditions remade")
    assert _client(None).get(urls["stable"]).getvalue() != stable_before  # same URL, new bytes
    asset.refresh_from_db()
    urls = _urls(asset)  # the new files' own URLs
    trash.asset_trash(asset=asset, user=editor, force=True)
    state("in the trash")
    trash.asset_restore(asset=asset, user=editor)
    state("restored")
    asset.refresh_from_db()
    trash.asset_trash(asset=asset, user=editor, force=True)
    assert purge.asset_purge(asset_id=asset.pk) is True
    state("purged")
    _write(rows)
