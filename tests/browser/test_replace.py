"""Replacing a file in headless Chromium: the asset page's "Replace file" form and its
"Restore" buttons go through the API (the page fixture checks that every write does),
say what the replacement kept, and list the versions.

Screenshots go to artifacts/screenshots/replace-*.png.
"""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dam import services as dam_services
from dam.models import Asset
from renditions import services
from tests.browser.conftest import log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_replaces_the_file_and_restores_it(page, live_server, editor,
                                                     default_profiles, monkeypatch, shot,
                                                     tmp_path):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    first = make_photo(1200, 800)
    asset = dam_services.asset_create(file=SimpleUploadedFile("lighthouse.jpg", first),
                                      uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    second = tmp_path / "square.jpg"
    second.write_bytes(make_photo(800, 800, subject=(0.3, 0.3)))
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/assets/{asset.uid}/")
    expect(page.locator("#versions")).to_contain_text("No earlier file")
    page.set_input_files("#replace-file", str(second))
    page.get_by_role("button", name="Replace", exact=True).click()
    expect(page.locator("#versions-message")).to_contain_text("kept as version 1")
    expect(page.locator("#versions-message")).to_contain_text("aspect ratio changed")
    shot("replace-01-replaced")
    expect(page.locator(".versions-list li")).to_have_count(1)  # after the reload
    expect(page.locator("#history")).to_contain_text("File replaced")
    assert Asset.objects.get(pk=asset.pk).original_filename == "square.jpg"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-action=restore-version]").first.click()
    expect(page.locator("#versions-message")).to_contain_text("kept as version 2")
    expect(page.locator(".versions-list li")).to_have_count(2)
    shot("replace-02-restored")
    assert Asset.objects.get(pk=asset.pk).original_filename == "lighthouse.jpg"
    assert ("POST", f"/api/assets/{asset.uid}/file") in page.writes
