"""Issue 26: an upload's analysis and renditions come from one decode of its file."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dam import services as dam_services
from dam.models import Asset
from renditions import services
from renditions.engine import loading
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


def _count_decodes(monkeypatch) -> list[str]:
    calls = []
    for name in ("decode_full", "open_for_analysis"):
        real = getattr(loading, name)
        monkeypatch.setattr(loading, name, lambda *a, _n=name, _r=real, **k:
                            calls.append(_n) or _r(*a, **k))
    from renditions.engine import pyramid
    monkeypatch.setattr(pyramid, "decode_full", loading.decode_full)
    return calls


def test_a_new_upload_is_decoded_once_for_its_analysis_and_renditions(
        editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("quay.jpg", make_photo(1200, 800)), uploaded_by=editor)
    calls = _count_decodes(monkeypatch)
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    assert asset.renditions.count() == 7
    assert calls == ["decode_full"]


def test_renditions_of_an_analysed_asset_decode_once_without_the_analysis(
        processed, monkeypatch):
    calls = _count_decodes(monkeypatch)
    processed.renditions.all().delete()
    services.asset_process(asset_id=processed.pk)
    assert processed.renditions.count() == 7
    assert calls == ["decode_full"]
