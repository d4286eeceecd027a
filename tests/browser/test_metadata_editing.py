"""Editing descriptions in headless Chromium: the asset page's form (keywords with
autocomplete, a refused value, history and revert), the library's bulk edit (a
Shift-click range, every asset matching a search) and an upload's batch template.

Every write goes through the API (the ``page`` fixture fails any other); screenshots of
each step go to artifacts/screenshots/meta-*.png.
"""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from dam import services as dam_services
from dam.models import Asset
from renditions import services
from renditions.models import EditEvent
from tests.browser.conftest import TABLET, log_in
from tests.conftest import make_photo
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROCESSING = 90_000  # ms: the longest wait for a worker to make the renditions


def _asset(user, name: str, *, subject=(0.5, 0.5), keywords=(), **fields) -> Asset:
    """An asset made and processed at once (the queue is quiet: see ``quiet``)."""
    asset = dam_services.asset_create(
        file=SimpleUploadedFile(name, make_photo(480, 320, subject=subject)), uploaded_by=user)
    services.asset_process(asset_id=asset.pk)
    Asset.objects.filter(pk=asset.pk).update(**fields)
    asset = Asset.objects.get(pk=asset.pk)
    asset.tags.add(*keywords)
    return asset


def _keywords(asset: Asset) -> set[str]:
    return set(asset.tags.names())


@pytest.fixture
def quiet(monkeypatch, default_profiles):
    """No worker: assets are processed as they are made, later changes queue nothing."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)


def _open_asset(page, base: str, asset: Asset) -> None:
    page.goto(f"{base}/assets/{asset.uid}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1")


def _rendition_keys(page, base: str, asset: Asset) -> dict[str, str]:
    data = page.request.get(f"{base}/api/assets/{asset.uid}/").json()
    return {slug: r["key"] for slug, r in data["renditions"].items()}


def _pick_suggestion(page, box, typed: str, expected: str) -> None:
    """Type into a keywords box, wait for the suggestions, take ``expected`` by keyboard."""
    box.press_sequentially(typed)
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    names = [t.split("\n")[0].strip() for t in options.all_inner_texts()]
    for _ in range(names.index(expected) + 1):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"#{active}")).to_contain_text(expected)
    box.press("Enter")
    expect(listbox).to_be_hidden()


def test_edit_fields_and_keywords_then_revert(page, live_server, editor, default_profiles,
                                              live_worker, shot):
    """Credit, caption, date and keywords (one from the suggestions) in one PATCH; the
    renditions follow the new credit; the history says what changed and reverts it."""
    made = [dam_services.asset_create(
        file=SimpleUploadedFile(name, make_photo(480, 320, subject=(0.6, 0.4))),
        uploaded_by=editor) for name in ("pier.jpg", "other.jpg")]
    wait_for(lambda: set(Asset.objects.values_list("status", flat=True)) == {"ready"})
    asset, other = (Asset.objects.get(pk=a.pk) for a in made)
    asset.tags.add("draft")
    other.tags.add("Berlin", "Bernina", "Bern")
    base = live_server.url
    log_in(page, base, editor.username)
    _open_asset(page, base, asset)
    form = page.locator("#metadata-form")
    expect(form.locator(".chip .chip-text")).to_have_text(["draft"])
    shot("meta-01-form")

    page.get_by_label("Credit").fill("Jane Doe / Harbour Press")
    page.get_by_label("Caption").fill("Morning at the pier.\nFishing boats come in.")
    page.get_by_label("Date created").fill("2021-10-20")
    keywords = page.get_by_role("combobox", name="Keywords")
    _pick_suggestion(page, keywords, "Berl", "Berlin")
    shot("meta-02-keyword-picked")
    keywords.press_sequentially("harbour,")  # a comma adds too
    keywords.press_sequentially("oops")
    keywords.press("Enter")
    expect(form.locator(".chip .chip-text")).to_have_text(["draft", "Berlin", "harbour", "oops"])
    keywords.press("Backspace")  # in the empty box: the last one goes
    form.get_by_role("button", name="Remove draft").click()
    expect(form.locator(".chip .chip-text")).to_have_text(["Berlin", "harbour"])
    keywords.press_sequentially("Ber")
    expect(page.locator("#md-keywords-options")).to_be_visible()
    shot("meta-03-suggestions")
    keywords.press("Escape")
    expect(page.locator("#md-keywords-options")).to_be_hidden()
    keywords.fill("")

    before = _rendition_keys(page, base, asset)
    with page.expect_request(lambda r: r.method == "PATCH") as patch:
        page.get_by_role("button", name="Save metadata").click()
    assert patch.value.url.endswith(f"/api/assets/{asset.uid}/")
    assert patch.value.post_data_json == {
        "credit": "Jane Doe / Harbour Press", "caption": "Morning at the pier.\nFishing boats come in.",
        "date_created": "2021-10-20", "keywords": ["Berlin", "harbour"]}
    status = page.locator("#metadata-status")
    expect(status).to_contain_text("Saved: Caption, Credit, Date created, Keywords.")
    expect(status).to_contain_text("renditions will follow")
    expect(page.locator("#workspace")).to_have_attribute("data-regen", "done", timeout=PROCESSING)
    expect(page.locator("#progress-text")).to_contain_text("7 of 7 renditions updated")
    asset.refresh_from_db()
    assert (asset.credit, asset.caption, asset.date_created) == (
        "Jane Doe / Harbour Press", "Morning at the pier.\nFishing boats come in.", "2021-10-20")
    assert _keywords(asset) == {"Berlin", "harbour"}
    after = _rendition_keys(page, base, asset)
    assert len(after) == 7 and all(after[s] != key for s, key in before.items()), \
        "a new credit makes new files"
    event = EditEvent.objects.get(asset=asset, kind="metadata")
    assert event.user == editor
    assert event.before == {"credit": "", "caption": "", "date_created": "",
                            "keywords": ["draft"]}
    entry = page.locator("#history li[data-kind=metadata]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Credit: empty → ‘Jane Doe / Harbour Press’")
    expect(entry).to_contain_text("Keywords: added Berlin, harbour; removed draft")
    shot("meta-04-saved-with-history")

    entry.get_by_role("button", name="Revert").click()
    expect(page.locator("#history li[data-kind=metadata]")).to_have_count(2)
    expect(page.get_by_label("Credit")).to_have_value("")
    expect(form.locator(".chip .chip-text")).to_have_text(["draft"])
    expect(page.locator("#workspace")).to_have_attribute("data-regen", "done", timeout=PROCESSING)
    asset.refresh_from_db()
    assert (asset.credit, asset.caption, asset.date_created) == ("", "", "")
    assert _keywords(asset) == {"draft"}
    shot("meta-05-reverted")
    paths = {(m, p.replace(str(asset.uid), "<id>")) for m, p in page.writes}
    assert ("PATCH", "/api/assets/<id>/") in paths
    assert any(m == "POST" and p.startswith("/api/assets/<id>/history/") for m, p in paths)


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_refused_value_shows_next_to_its_field(page, live_server, editor, quiet, shot):
    """At tablet width: the API's refusal shows under its field, which takes the focus."""
    asset = _asset(editor, "quay.jpg", credit="Agency")
    base = live_server.url
    page.set_viewport_size(TABLET)
    log_in(page, base, editor.username)
    _open_asset(page, base, asset)
    assert _fits_the_width(page)
    date = page.get_by_label("Date created")
    date.fill("last Tuesday")
    page.get_by_label("Credit").fill("Agency / Desk")
    page.get_by_role("button", name="Save metadata").click()
    error = page.locator("#md-date_created-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("ISO 8601")
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(date).to_be_focused()
    expect(page.locator("#md-credit-error")).to_be_hidden()
    expect(page.locator("#metadata-status")).to_contain_text("Not saved")
    shot("meta-06-refused-date")
    asset.refresh_from_db()
    assert (asset.credit, asset.date_created) == ("Agency", "")  # nothing half-saved
    assert not EditEvent.objects.filter(asset=asset).exists()

    date.fill("2021-10")
    page.get_by_role("button", name="Save metadata").click()
    expect(page.locator("#metadata-status")).to_contain_text("Saved: Credit, Date created.")
    expect(error).to_be_hidden()
    expect(date).not_to_have_attribute("aria-invalid", "true")
    asset.refresh_from_db()
    assert (asset.credit, asset.date_created) == ("Agency / Desk", "2021-10")


def test_viewer_sees_metadata_read_only(page, live_server, editor, quiet, django_user_model):
    from dam.roles import ensure_roles

    asset = _asset(editor, "quay.jpg", credit="Agency", keywords=["Berlin"])
    viewer = django_user_model.objects.create_user("viewer", password="pw-for-tests")
    viewer.groups.add(ensure_roles()["Viewers"])
    base = live_server.url
    log_in(page, base, viewer.username)
    _open_asset(page, base, asset)
    expect(page.locator("#metadata-form")).to_have_count(0)
    expect(page.locator(".metadata-fields")).to_contain_text("Agency")
    page.goto(f"{base}/")
    expect(page.locator(".grid .tile")).to_have_count(1)
    expect(page.locator("#bulk")).to_have_count(0)
    expect(page.locator(".tile input.pick")).to_have_count(0)


def test_bulk_edit_a_shift_click_range(page, live_server, editor, quiet, shot):
    """Tick one, Shift-click another: the three between are selected; set a credit and
    add a keyword to them in one call; the others stay as they were."""
    made = [_asset(editor, f"frame-{i}.jpg", subject=(0.2 + 0.15 * i, 0.5), title=f"Frame {i}",
                   credit="Old credit") for i in range(5)]
    base = live_server.url
    log_in(page, base, editor.username)
    tiles = page.locator(".grid .tile")
    expect(tiles).to_have_count(5)
    uids = [tiles.nth(i).get_attribute("data-uid") for i in range(5)]  # newest first
    expect(page.locator("#bulk-form")).to_be_hidden()
    page.get_by_role("checkbox", name="Select Frame 3").click()
    page.get_by_role("checkbox", name="Select Frame 1").click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_have_text("3 selected")
    expect(tiles.locator("input.pick:checked")).to_have_count(3)
    selected, others = uids[1:4], [uids[0], uids[4]]
    assert [tiles.nth(i).locator("input.pick").is_checked() for i in range(5)] == \
        [False, True, True, True, False]
    expect(page.locator("#bulk-form")).to_be_visible()

    page.get_by_label("Set", exact=True).select_option("credit")
    page.get_by_role("textbox", name="to", exact=True).fill("Pool / Harbour Press")
    add = page.get_by_role("combobox", name="Add keywords")
    add.press_sequentially("Election")
    add.press("Enter")
    shot("meta-07-bulk-range-selected")
    with page.expect_request(lambda r: r.url.endswith("/api/assets/bulk")) as bulk:
        page.get_by_role("button", name="Apply to 3 assets").click()
    assert bulk.value.post_data_json == {"ids": selected, "set": {"credit": "Pool / Harbour Press"},
                                         "add_keywords": ["Election"]}
    expect(page.locator("#bulk-result")).to_have_text("Updated 3 of 3 assets.")
    expect(page.locator("#bulk")).to_have_attribute("data-state", "done")
    expect(tiles.locator("input.pick:checked")).to_have_count(3)  # kept after the refresh
    shot("meta-08-bulk-applied")
    for uid in selected:
        asset = Asset.objects.get(uid=uid)
        assert asset.credit == "Pool / Harbour Press" and _keywords(asset) == {"Election"}
        event = EditEvent.objects.get(asset=asset, kind="metadata")
        assert event.after == {"credit": "Pool / Harbour Press", "keywords": ["Election"]}
    for uid in others:
        asset = Asset.objects.get(uid=uid)
        assert asset.credit == "Old credit" and not _keywords(asset)
        assert not EditEvent.objects.filter(asset=asset).exists()
    assert len(made) == 5

    # From the keyboard: Space ticks one, Shift+Space on another ticks the ones between.
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("#bulk-count")).to_have_text("Nothing selected")
    page.get_by_role("checkbox", name="Select Frame 4").press("Space")
    expect(page.locator("#bulk-count")).to_have_text("1 selected")
    page.get_by_role("checkbox", name="Select Frame 0").press("Shift+Space")
    expect(page.locator("#bulk-count")).to_have_text("5 selected")
    expect(page.get_by_role("button", name="Apply to 5 assets")).to_be_visible()


def test_bulk_edit_every_asset_matching_a_search(page, live_server, editor, quiet, settings,
                                                 shot):
    """Page size 2, a search matching 3 on two pages: "Select all 3 matching" sends the
    search itself; every match loses a keyword (taken from the suggestions) and gets a
    line appended to its caption; the assets outside the search keep theirs."""
    settings.DAM = {**getattr(settings, "DAM", {}), "PAGE_SIZE": 2}
    page.set_viewport_size(TABLET)
    quays = [_asset(editor, f"quay-{i}.jpg", subject=(0.3 + 0.2 * i, 0.5), title=f"Quay {i}",
                    caption="At the quay.", keywords=["draft", "quay"]) for i in range(3)]
    piers = [_asset(editor, f"pier-{i}.jpg", subject=(0.4, 0.3 + 0.2 * i), title=f"Pier {i}",
                    caption="At the pier.", keywords=["draft"]) for i in range(2)]
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/?q=quay")
    expect(page.locator(".grid .tile")).to_have_count(2)
    page.get_by_role("button", name="Select all 3 matching").click()
    expect(page.locator("#bulk-count")).to_have_text("All 3 matching selected")
    expect(page.locator(".grid input.pick:checked")).to_have_count(2)
    assert _fits_the_width(page)
    page.get_by_label("Append to").select_option("caption")
    page.get_by_role("textbox", name="Text to append").fill("Photo: pool.")
    _pick_suggestion(page, page.get_by_role("combobox", name="Remove keywords"), "dr", "draft")
    shot("meta-09-bulk-all-matching")
    with page.expect_request(lambda r: r.url.endswith("/api/assets/bulk")) as bulk:
        page.get_by_role("button", name="Apply to 3 assets").click()
    assert bulk.value.post_data_json == {"query": {"q": "quay"},
                                         "append": {"caption": "Photo: pool."},
                                         "remove_keywords": ["draft"]}
    expect(page.locator("#bulk-result")).to_have_text("Updated 3 of 3 assets.")
    shot("meta-10-bulk-all-applied")
    for asset in quays:
        asset.refresh_from_db()
        assert asset.caption == "At the quay.\nPhoto: pool." and _keywords(asset) == {"quay"}
    for asset in piers:
        asset.refresh_from_db()
        assert asset.caption == "At the pier." and _keywords(asset) == {"draft"}
    # Unticking one tile leaves "all matching" for the ones still ticked.
    page.locator(".grid input.pick").first.click()
    expect(page.locator("#bulk-count")).to_have_text("1 selected")
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("#bulk-form")).to_be_hidden()


def _signed_photo(path, subject) -> str:
    """A JPEG whose EXIF names its photographer (Artist) and copyright; returns its path."""
    image = Image.open(io.BytesIO(make_photo(480, 320, subject=subject)))
    exif = Image.Exif()
    exif[0x013B], exif[0x8298] = "Ann Lee", "(c) Ann Lee"  # EXIF text is ASCII
    image.save(path, "JPEG", exif=exif)
    return str(path)


def test_upload_applies_the_batch_template(page, live_server, editor, quiet, tmp_path, shot):
    """The template fills what a photo leaves empty and adds its keywords; what the photo
    says wins, until "Overwrite what the files say" is ticked."""
    _asset(editor, "older.jpg", keywords=["Harbour"])  # a keyword to suggest
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/upload/")
    page.get_by_text("Apply to this batch").click()
    page.get_by_label("Creator").fill("Desk")
    page.get_by_label("Credit").fill("Harbour Press")
    page.get_by_label("Copyright").fill("© 2026 Harbour Press")
    keywords = page.get_by_role("combobox", name="Keywords")
    _pick_suggestion(page, keywords, "harb", "Harbour")
    keywords.press_sequentially("Dawn")
    keywords.press("Enter")
    shot("meta-11-upload-template")
    rows = page.locator("#uploads li")
    page.set_input_files("#upload-form input[type=file]",
                         [_signed_photo(tmp_path / "dawn.jpg", (0.4, 0.5))])
    expect(rows.first).to_contain_text("Uploaded:")
    page.get_by_label("Overwrite what the files say").check()
    page.set_input_files("#upload-form input[type=file]",
                         [_signed_photo(tmp_path / "dusk.jpg", (0.6, 0.5))])
    expect(rows.nth(1)).to_contain_text("Uploaded:")
    shot("meta-12-upload-done")
    kept = Asset.objects.get(original_filename="dawn.jpg")
    assert (kept.creator, kept.copyright, kept.credit) == ("Ann Lee", "(c) Ann Lee", "Harbour Press")
    assert _keywords(kept) == {"Harbour", "Dawn"}
    replaced = Asset.objects.get(original_filename="dusk.jpg")
    assert (replaced.creator, replaced.copyright, replaced.credit) == (
        "Desk", "© 2026 Harbour Press", "Harbour Press")
    assert not EditEvent.objects.exists()  # an upload's initial state is not an edit
