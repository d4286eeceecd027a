"""What the API tests share: clients, uploads, the endpoints' URLs, JSON errors,
and fixtures (imported by name into the test modules)."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from dam import services as dam_services
from dam.models import Asset
from renditions import editing, regions_in
from tests.conftest import make_photo

METADATA_FIELDS = {"headline", "caption", "creator", "credit", "copyright", "usage_terms",
                   "source", "date_created", "city", "country", "keywords"}
PUBLIC_FIELDS = {"id", "title", "alt_text", "width", "height", "status", "created_at",
                 "progress", "renditions", "image_regions", *METADATA_FIELDS,
                 "licence", "embargo_until", "expires_at", "rights", "usage_count"}
#: The one asset's answer (GET /api/assets/<id>/) only: the <salient-img> element's.
DETAIL_FIELDS = {"element"}
PRIVATE_FIELDS = {"filename", "format", "sha256", "error", "saliency", "instructions",
                  "metadata_problems", "collection", "similar", "licence_note"}


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Enqueueing records the asset instead: the pipeline runs only where a test runs it."""
    queued = []
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: queued.append(asset.pk))
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: queued.append(asset.pk))
    monkeypatch.setattr(regions_in, "asset_enqueue", lambda asset: queued.append(asset.pk))
    return queued


@pytest.fixture
def asset(editor, default_profiles):
    """Stored and queued, not analysed yet."""
    return _asset(editor)


def _client(user=None, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _upload(name: str, data: bytes | None = None, **photo) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_photo(320, 240, **photo) if data is None else data,
                              content_type="image/jpeg")


def _asset(user, name="pier.jpg", **photo) -> Asset:
    return dam_services.asset_create(file=_upload(name, **photo), uploaded_by=user)


def _urls(uid) -> dict[str, str]:
    return {
        "list": reverse("api-assets"),
        "detail": reverse("asset-json", args=[uid]),
        "focal": reverse("api-asset-focal", args=[uid]),
        "crop": reverse("api-asset-crop", args=[uid, "hero"]),
        "review": reverse("api-asset-review", args=[uid, "hero"]),
        "regenerate": reverse("api-asset-regenerate", args=[uid]),
        "profiles": reverse("api-profiles"),
    }


def _error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"], body
    return body
