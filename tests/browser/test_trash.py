"""The trash in headless Chromium: an editor deletes a photo in use from its page (the
confirmation names the page that uses it), finds it on the Trash page, and restores it.
Every write goes through the API (the page fixture checks).

Screenshots go to artifacts/screenshots/trash-*.png.
"""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dam import services as dam_services
from dam import usages
from dam.models import Asset
from renditions import services
from tests.browser.conftest import log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE = "https://www.example.com/news/harbour"


def _accepting(page) -> list[str]:
    """Accept every confirmation the page asks; the list fills with their words."""
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return dialogs


def test_delete_names_the_pages_then_the_trash_restores(page, live_server, editor,
                                                        default_profiles, monkeypatch, shot):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("lighthouse.jpg", make_photo(640, 480)), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    usages.usage_record(asset=asset, url=PAGE)
    dialogs = _accepting(page)
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/assets/{asset.uid}/")
    shot("trash-01-asset-page")
    page.get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_url(f"{base}/trash/")
    assert len(dialogs) == 2 and PAGE in dialogs[1], dialogs
    assert Asset.objects.get(pk=asset.pk).deleted_at is not None
    row = page.locator(f"#trash-list tr[data-asset='{asset.uid}']")
    expect(row).to_contain_text("lighthouse.jpg")
    expect(row.get_by_role("button", name="Delete now")).to_have_count(0)  # admins only
    shot("trash-02-trash-page")
    row.get_by_role("button", name="Restore").click()
    page.wait_for_url(f"{base}/assets/{asset.uid}/")
    assert Asset.objects.get(pk=asset.pk).deleted_at is None
    assert ("DELETE", f"/api/assets/{asset.uid}/") in page.writes
    assert ("POST", f"/api/assets/{asset.uid}/restore") in page.writes


def test_the_bulk_bar_deletes_the_selection_naming_the_pages_then_restore_selected(
        page, live_server, editor, default_profiles, monkeypatch, shot):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    made = [dam_services.asset_create(file=SimpleUploadedFile(name, make_photo(320, 240)),
                                      uploaded_by=editor)
            for name in ("pier.jpg", "dune.jpg", "cliff.jpg")]
    pier, dune, cliff = made
    usages.usage_record(asset=pier, url=PAGE)
    dialogs = _accepting(page)
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/")
    for asset in (pier, dune):
        page.locator(f".tile[data-uid='{asset.uid}'] input.pick").check()
    shot("trash-03-bulk-selected")
    page.get_by_role("button", name="Delete 2 assets").click()
    expect(page.locator("#bulk-result")).to_have_text("Moved 2 of 2 assets to the trash.")
    assert len(dialogs) == 2 and PAGE in dialogs[1] and "pier" in dialogs[1], dialogs
    expect(page.locator(".tile")).to_have_count(1)
    expect(page.locator(f".tile[data-uid='{cliff.uid}']")).to_have_count(1)
    assert set(Asset.objects.filter(deleted_at__isnull=False)) == {pier, dune}
    assert page.writes.count(("POST", "/api/assets/bulk")) == 2  # refused, then forced

    page.goto(f"{base}/trash/")
    restore = page.get_by_role("button", name="Restore selected")
    expect(restore).to_be_disabled()
    page.locator(f"#trash-list tr[data-asset='{dune.uid}'] input.pick").check()
    shot("trash-04-restore-selected")
    restore.click()
    expect(page.locator(f"#trash-list tr[data-asset='{dune.uid}']")).to_have_count(0)
    expect(page.locator(f"#trash-list tr[data-asset='{pier.uid}']")).to_have_count(1)
    assert set(Asset.objects.filter(deleted_at__isnull=False)) == {pier}
