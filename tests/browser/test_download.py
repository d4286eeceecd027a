"""The library's *Download originals*: the selection's originals as one ZIP, through the
API (a check, then a form's POST that the browser saves as a download); a refusal is said
in the bulk bar."""
from __future__ import annotations

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from playwright.sync_api import expect

from dam import services as dam_services
from tests.browser.conftest import log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def made(editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    return [dam_services.asset_create(file=SimpleUploadedFile(name, make_photo(320, 240,
                                                                               subject=(x, 0.5))),
                                      uploaded_by=editor)
            for name, x in (("pier.jpg", 0.2), ("dune.jpg", 0.5), ("cliff.jpg", 0.8))]


def test_the_selection_downloads_as_one_zip(page, live_server, editor, made, tmp_path, shot):
    pier, dune, cliff = made
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/")
    for asset in (pier, cliff):
        page.locator(f".tile[data-uid='{asset.uid}'] input.pick").check()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download originals").click()
    path = tmp_path / "originals.zip"
    caught.value.save_as(path)
    assert caught.value.suggested_filename.startswith("salient-originals-")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["cliff.jpg", "pier.jpg"]
    expect(page.locator("#bulk-result")).to_contain_text("Downloading 2 originals")
    shot("download-01-selection")
    assert page.writes.count(("POST", "/api/assets/download")) == 2  # the check, the form


def test_all_matching_downloads_the_search_and_a_refusal_is_said(page, live_server, editor,
                                                                 made, tmp_path):
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/?q=dune")
    expect(page.locator(".tile")).to_have_count(1)
    page.get_by_role("button", name="Select all 1 matching").click()
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download originals").click()
    caught.value.save_as(tmp_path / "search.zip")
    with zipfile.ZipFile(tmp_path / "search.zip") as archive:
        assert archive.namelist() == ["dune.jpg"]
    page.goto(f"{base}/")
    page.locator(".tile input.pick").first.check()
    page.locator(".tile input.pick").nth(1).check()
    with override_settings(DAM={"DOWNLOAD_MAX": 1}):
        page.get_by_role("button", name="Download originals").click()
        expect(page.locator("#bulk-result")).to_contain_text("at most 1 original;")
