"""Rights in headless Chromium (issue 24): the asset page's Rights group sends the licence
and the dates typed in the browser's time zone as UTC ISO 8601 in one PATCH, shows them
back in that zone, and the library marks the asset and offers the Rights filter."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dam.models import Asset, Licence
from tests.browser.conftest import log_in
from tests.integration.conftest import wait_for
from tests.browser.test_metadata_editing import _asset, _open_asset, quiet  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rights_are_set_in_the_browsers_zone_and_marked_in_the_library(
        page, live_server, editor, quiet, shot):  # noqa: F811
    Licence.objects.create(name="Agency", description="Wire photos")
    asset = _asset(editor, "pier.jpg")
    base = live_server.url
    log_in(page, base, editor.username)
    _open_asset(page, base, asset)
    page.get_by_label("Licence", exact=True).select_option("Agency")
    page.get_by_label("Embargo until").fill("2099-12-24T18:00")
    expected = page.evaluate("new Date('2099-12-24T18:00').toISOString()").replace(".000Z", "Z")
    with page.expect_request(lambda r: r.method == "PATCH") as patch:
        page.get_by_role("button", name="Save metadata").click()
    assert patch.value.post_data_json == {"licence": "Agency", "embargo_until": expected}
    expect(page.locator("#metadata-status")).to_contain_text("Saved: Licence, Embargo until.")
    asset = Asset.objects.get(pk=asset.pk)
    assert asset.licence.name == "Agency"
    assert asset.embargo_until.isoformat().replace("+00:00", "Z") == expected
    shot("rights-01-form")

    _open_asset(page, base, asset)  # shown again in the browser's zone
    expect(page.get_by_label("Embargo until")).to_have_value("2099-12-24T18:00")
    expect(page.locator("#asset-rights")).to_contain_text("Under embargo")
    # Withheld from the public (410), the cards show the renditions from the DAM's own view.
    wait_for(lambda: page.evaluate(
        "[...document.querySelectorAll('.profile-card .thumb img')].every("
        "(i) => i.complete && i.naturalWidth > 0 && i.src.includes('/renditions/'))"),
        timeout=10)

    page.goto(f"{base}/")
    tile = page.locator(f".tile[data-uid='{asset.uid}']")
    expect(tile.locator(".rights")).to_have_text("Under embargo")
    page.get_by_role("link", name="Under embargo").click()
    expect(page).to_have_url(f"{base}/?rights=embargoed")
    expect(page.locator(".tile")).to_have_count(1)
    shot("rights-02-library")
