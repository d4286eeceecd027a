"""Near-duplicates in headless Chromium: uploading a resized, recompressed copy of a
stored photo keeps it, and the upload page's line says "looks like" with a link to
the original, which the new asset's page names too.

Screenshots go to artifacts/screenshots/similar-*.png.
"""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from dam import services as dam_services
from dam.models import Asset
from tests.browser.conftest import log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_upload_of_a_copy_says_what_it_looks_like(page, live_server, editor,
                                                      default_profiles, monkeypatch, shot,
                                                      tmp_path):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    photo = make_photo(1200, 800)
    original = dam_services.asset_create(file=SimpleUploadedFile("lighthouse.jpg", photo),
                                         uploaded_by=editor)
    copy = tmp_path / "lighthouse-small.jpg"
    Image.open(io.BytesIO(photo)).resize((600, 400)).save(copy, "JPEG", quality=40)
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/upload/")
    page.set_input_files("#upload-form input[type=file]", [str(copy)])
    row = page.locator("#uploads li").first
    expect(row).to_contain_text("Uploaded:")
    expect(row.locator(".similar")).to_contain_text("looks like lighthouse")
    shot("similar-01-upload-flagged")
    row.locator(".similar a").click()
    expect(page).to_have_url(f"{base}/assets/{original.uid}/")
    flagged = Asset.objects.get(original_filename="lighthouse-small.jpg")
    page.goto(f"{base}/assets/{flagged.uid}/")
    expect(page.locator("p.similar")).to_contain_text("Looks like lighthouse")
    shot("similar-02-asset-page")
