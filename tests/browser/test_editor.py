"""The editor's workspace in headless Chromium: upload, nudge, override, review.

Screenshots of every step go to artifacts/screenshots/.
"""
from __future__ import annotations

import base64
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dam import services as dam_services
from dam.models import Asset
from renditions import editing, services
from renditions.models import Analysis, EditEvent, RenditionProfile
from tests.browser.conftest import PASSWORD, TABLET, log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROCESSING = 90_000  # ms: the longest wait for a worker to make the renditions

CARDS_JS = """els => Object.fromEntries(els.map(e => [e.dataset.slug,
    {key: e.dataset.key || null, file: e.dataset.fileUrl || null}]))"""


def _cards(page) -> dict:
    return page.eval_on_selector_all(".profile-card", CARDS_JS)


def _api(page, base_url: str, uid: str) -> dict:
    return page.request.get(f"{base_url}/api/assets/{uid}/").json()


def _wait_cards_changed(page, slugs, before, timeout=PROCESSING):
    """Wait until every card in ``slugs`` shows a file with a key other than ``before``."""
    page.wait_for_function(
        """([slugs, before]) => slugs.every(s => {
             const el = document.getElementById('card-' + s);
             return el.dataset.key && el.dataset.key !== before[s]; })""",
        arg=[list(slugs), {s: before[s]["key"] for s in slugs}], timeout=timeout)


def _drop(page, selector: str, path, mime: str) -> None:
    """Drop a file on ``selector`` the way a desktop drag-and-drop does."""
    payload = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([name, mime, data]) => {
             const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], name, {type: mime}));
             return transfer; }""", [path.name, mime, payload])
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def _centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _upload_two(page, base, tmp_path, shot) -> str:
    """Upload two photos through the page (one dropped, one chosen); return the first's id."""
    harbour = tmp_path / "harbour.jpg"
    harbour.write_bytes(make_photo(1200, 800, subject=(0.75, 0.4)))
    deck = tmp_path / "deck.png"
    deck.write_bytes(make_photo(900, 600, fmt="PNG", subject=(0.3, 0.6)))
    notes = tmp_path / "notes.jpg"
    notes.write_bytes(b"not a photo at all")
    page.goto(f"{base}/upload/")
    _drop(page, "#dropzone", harbour, "image/jpeg")
    page.set_input_files("#upload-form input[type=file]", [str(deck), str(notes)])
    rows = page.locator("#uploads li")
    expect(rows).to_have_count(3)
    shot("01-upload-progress")
    for i in range(2):
        expect(rows.nth(i)).to_have_class("done", timeout=PROCESSING)
    expect(rows.nth(2)).to_have_class("failed")
    expect(rows.nth(2)).to_contain_text("Refused: notes.jpg:")
    expect(page.locator("#uploads-summary")).to_have_text("2 of 3 uploaded, 1 refused")
    expect(rows.filter(has_text="harbour.jpg")).to_contain_text("7 of 7 renditions")
    shot("02-upload-done")
    assert sorted(Asset.objects.values_list("status", flat=True)) == ["ready", "ready"]
    rows.filter(has_text="harbour.jpg").get_by_role("link").click()
    return str(Asset.objects.get(original_filename="harbour.jpg").uid)


def _nudge(page, base, uid, shot) -> float:
    """Drag the focal point to the left, save, wait for the new files; return the seconds."""
    workspace = page.locator("#workspace")
    expect(workspace).to_have_attribute("data-ready", "1")
    expect(page.locator(".crop-box:not([hidden])")).to_have_count(7)
    shot("03-asset")

    page.get_by_label("Heat map", exact=True).check()
    page.wait_for_function("() => { const h = document.getElementById('heat');"
                           " return !h.hidden && h.complete && h.naturalWidth > 0; }")
    page.get_by_label("Heat map opacity").fill("40")
    expect(page.locator("#stage")).to_have_attribute("style", re.compile(r"--heat-opacity: 0\.4\b"))
    shot("04-heatmap")

    before = _cards(page)
    api_before = _api(page, base, uid)
    square = page.locator(".crop-box[data-slug=square]")
    square_left = square.evaluate("el => el.style.left")
    stage = page.locator("#stage").bounding_box()
    page.mouse.move(*_centre(page.locator("#focal")))
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.12, stage["y"] + stage["height"] * 0.5,
                    steps=15)
    # The boxes follow while the button is still down: plans, not renditions.
    page.wait_for_function("([left]) => document.querySelector("
                           "'.crop-box[data-slug=square]').style.left !== left", arg=[square_left])
    expect(page.locator("#focal-readout")).to_contain_text("not saved yet")
    shot("05-dragging")
    page.mouse.up()
    assert _cards(page) == before, "dragging must not re-render anything"

    started = time.monotonic()
    page.get_by_role("button", name="Save focal point").click()
    _wait_cards_changed(page, before.keys(), before)
    seconds = time.monotonic() - started
    expect(workspace).to_have_attribute("data-regen", "done", timeout=PROCESSING)
    expect(page.locator("#progress-text")).to_contain_text("7 of 7 renditions updated")
    after = _cards(page)
    assert all(after[s]["file"] != before[s]["file"] for s in before)
    api_after = _api(page, base, uid)
    assert api_after["saliency"]["focal_origin"] == "editor"
    assert api_after["saliency"]["focal"][0] < 0.2
    for slug in ("square", "portrait", "story"):
        old, new = api_before["renditions"][slug], api_after["renditions"][slug]
        assert new["key"] != old["key"] and new["file_url"] != old["file_url"]
        assert new["crop_box"][0] < old["crop_box"][0], slug
    expect(page.locator("#history li")).to_have_count(1)
    expect(page.locator("#history li").first).to_contain_text("Focal point")
    shot("06-regenerated")
    print(f"\nnudge: {seconds:.2f} s from save to new renditions "
          f"(page says {workspace.get_attribute('data-regen-seconds')} s)")
    return seconds


def _override_square(page, base, uid, shot) -> None:
    """Shrink and move the square crop on the photo; only the square rendition changes."""
    before = _cards(page)
    api_before = _api(page, base, uid)
    page.get_by_role("button", name="Adjust the Square 1:1 crop").click()
    editing_box = page.locator(".crop-box.editing")
    expect(editing_box).to_be_focused()
    stage = page.locator("#stage").bounding_box()
    hx, hy = _centre(editing_box.locator(".handle-se"))
    page.mouse.move(hx, hy)
    page.mouse.down()
    page.mouse.move(hx - stage["width"] * 0.3, hy - stage["height"] * 0.45, steps=8)
    page.mouse.up()
    bx, by = _centre(editing_box)
    page.mouse.move(bx, by)
    page.mouse.down()
    page.mouse.move(bx + stage["width"] * 0.25, by + stage["height"] * 0.1, steps=8)
    page.mouse.up()
    editing_box.press("Shift+ArrowUp")  # grow a little from the keyboard too
    shot("07-adjusting-square")
    page.get_by_role("button", name="Save crop").click()
    _wait_cards_changed(page, ["square"], before)
    expect(page.locator("#workspace")).to_have_attribute("data-regen", "done",
                                                         timeout=PROCESSING)
    after = _cards(page)
    assert {s: v for s, v in after.items() if s != "square"} == \
        {s: v for s, v in before.items() if s != "square"}
    api_after = _api(page, base, uid)
    boxes = {s: r["crop_box"] for s, r in api_after["renditions"].items()}
    assert boxes == {**{s: r["crop_box"] for s, r in api_before["renditions"].items()},
                     "square": boxes["square"]}
    x0, y0, x1, y1 = boxes["square"]
    assert boxes["square"] != api_before["renditions"]["square"]["crop_box"]
    assert abs((x1 - x0) - (y1 - y0)) <= 2 and (x1 - x0) < 800
    card = page.locator("#card-square")
    expect(card.get_by_role("button", name="Reset the Square 1:1 crop to automatic")).to_be_visible()
    expect(card).to_contain_text("editor's crop")
    expect(page.locator("#history li")).to_have_count(2)
    expect(page.locator("#history li").first).to_contain_text("Crop of Square 1:1")
    shot("08-square-overridden")

    overridden = _cards(page)
    card.get_by_role("button", name="Reset the Square 1:1 crop to automatic").click()
    _wait_cards_changed(page, ["square"], overridden)
    # Content-addressed: back to automatic is the very file the focal point made.
    assert _cards(page) == before
    expect(card).to_contain_text("follows the focal point")
    expect(page.locator("#history li")).to_have_count(3)


def _review_with_keys(page, base, shot) -> None:
    """Approve, mark and unmark from the queue with the keyboard only."""
    page.goto(f"{base}/review/?review=pending")
    tiles = page.locator("#review-grid .tile")
    expect(tiles).to_have_count(14)
    expect(page.locator("#review-keys")).to_contain_text("a approve")
    page.keyboard.press("j")
    expect(tiles.nth(0)).to_be_focused()
    page.keyboard.press("a")
    expect(tiles.nth(0)).to_have_attribute("data-review", "approved")
    expect(tiles.nth(1)).to_be_focused()
    page.keyboard.press("n")
    expect(tiles.nth(1)).to_have_attribute("data-review", "needs_work")
    page.keyboard.press("k")
    expect(tiles.nth(1)).to_be_focused()
    page.keyboard.press("u")
    expect(tiles.nth(1)).to_have_attribute("data-review", "pending")
    expect(page.locator("#review-grid .tile.saving")).to_have_count(0)
    expect(page.locator("#review-error")).to_be_hidden()
    shot("09-review-keyboard")
    approved = tiles.nth(0).get_attribute("aria-label")
    page.goto(f"{base}/review/?review=approved")
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_have_attribute("aria-label", approved)
    page.goto(f"{base}/review/?review=needs_work")
    expect(page.locator("#review-grid .empty")).to_be_visible()
    page.goto(f"{base}/review/?review=approved")
    shot("10-review-approved")


def test_upload_nudge_override_and_review(page, live_server, editor_reviewer, default_profiles,
                                          live_worker, tmp_path, shot):
    base = live_server.url
    log_in(page, base, editor_reviewer.username)
    uid = _upload_two(page, base, tmp_path, shot)
    _nudge(page, base, uid, shot)
    _override_square(page, base, uid, shot)
    _review_with_keys(page, base, shot)


@pytest.fixture
def processed(editor, default_profiles, monkeypatch):
    """An asset processed at once; later edits also process synchronously."""
    def process_now(asset):
        services.asset_process(asset_id=asset.pk)
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("pier.jpg", make_photo(1200, 800, subject=(0.7, 0.45))),
        uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    monkeypatch.setattr(editing, "asset_enqueue", process_now)
    return Asset.objects.get(pk=asset.pk)


def test_keyboard_nudge_and_revert_at_tablet_width(page, live_server, editor, processed, shot):
    base = live_server.url
    page.set_viewport_size(TABLET)
    log_in(page, base, editor.username)
    page.goto(f"{base}/assets/{processed.uid}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # not a reviewer
    focal = page.get_by_role("slider", name="Focal point")
    start = int(focal.get_attribute("aria-valuenow"))
    focal.focus()
    for _ in range(8):
        focal.press("Shift+ArrowLeft")
    expect(focal).to_have_attribute("aria-valuenow", str(max(start - 40, 0)))
    before = _cards(page)
    focal.press("Enter")
    _wait_cards_changed(page, ["square"], before)
    expect(page.locator("#workspace")).to_have_attribute("data-regen", "done")
    event = EditEvent.objects.get(asset=processed)
    assert event.user == editor and event.after["origin"] == "editor"
    assert abs(event.after["x"] - (start - 40) / 100) < 0.011
    shot("11-tablet-keyboard-nudge")
    page.locator("#history").get_by_role("button", name="Revert").click()
    expect(page.locator("#history li")).to_have_count(2)
    expect(page.locator("#focal-readout")).to_contain_text("automatic")
    expect(focal).to_have_attribute("aria-valuenow", str(start))
    expect(page.get_by_role("button", name="Reset to automatic")).to_be_disabled()
    shot("12-tablet-reverted")


def test_a_padded_crop_shows_as_such_in_the_preview(page, live_server, editor, processed):
    from renditions.models import RenditionProfile
    from tests.integration.conftest import wide_subject

    wide_subject(processed)
    RenditionProfile.objects.create(slug="tall", name="Tall 9:16", aspect_width=9,
                                    aspect_height=16, max_width=450, pad="blur")
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/assets/{processed.uid}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1")
    tall = page.locator(".crop-box[data-slug=tall]")
    expect(tall).to_have_class(re.compile(r"\bpadded\b"))
    expect(page.locator(".crop-box[data-slug=hero]")).not_to_have_class(re.compile("padded"))
    assert tall.evaluate("el => getComputedStyle(el).borderTopStyle") == "dashed"
    width = tall.evaluate("el => parseFloat(el.style.width)")
    assert width > 80  # the whole band (10-90 %), not a 9:16 sliver of 37.5 %
    expect(page.locator("#card-tall")).to_contain_text("padded (blur)")


def test_reviewer_sees_marks_but_no_editing(page, live_server, processed, django_user_model):
    from dam.roles import ensure_roles

    reviewer = django_user_model.objects.create_user("rev", password="pw-for-tests")
    reviewer.groups.add(ensure_roles()["Reviewers"])
    Analysis.objects.filter(asset=processed).update(faces=[[0.6, 0.3, 0.75, 0.55]])
    base = live_server.url
    page.goto(f"{base}/assets/{processed.uid}/")
    assert "/login/" in page.url
    log_in(page, base, "rev")
    page.goto(f"{base}/assets/{processed.uid}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1")
    expect(page.get_by_role("button", name="Save focal point")).to_have_count(0)
    expect(page.locator("[data-action=adjust]")).to_have_count(0)
    face = page.locator("#faces .face")
    expect(face).to_have_count(1)
    assert face.evaluate("el => [el.style.left, el.style.width]") == ["60%", "15%"]
    page.get_by_label("Faces").uncheck()
    expect(face).to_be_hidden()
    card = page.locator("#card-hero")
    card.get_by_role("button", name="Approve Hero 16:9").click()
    expect(card.locator("[data-field=review]")).to_have_text("Approved")
    expect(card).to_contain_text("pinned by approval")
    expect(page.locator("#history li")).to_have_count(1)


def test_library_and_asset_pages_follow_processing(page, live_server, editor, default_profiles,
                                                   monkeypatch, shot):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    assets = [dam_services.asset_create(
        file=SimpleUploadedFile(f"quay-{i}.jpg", make_photo(800, 600, subject=(0.3 + 0.4 * i, 0.5))),
        uploaded_by=editor) for i in range(2)]
    base = live_server.url
    log_in(page, base, editor.username)
    tiles = page.locator(".grid .tile")
    expect(tiles.locator(".status")).to_have_text(["Queued", "Queued"])
    detail = page.context.new_page()
    detail.goto(f"{base}/assets/{assets[0].uid}/")
    expect(detail.locator("#progress-text")).to_contain_text("0 of 7 renditions")
    for asset in assets:
        services.asset_process(asset_id=asset.pk)
    expect(tiles.locator(".status")).to_have_text(["Ready", "Ready"], timeout=15_000)
    expect(tiles.locator("img")).to_have_count(2)
    expect(detail.locator("#workspace")).to_have_attribute("data-ready", "1")
    expect(detail.locator("#progress-text")).to_contain_text("7 of 7 renditions updated")
    expect(detail.locator(".crop-box:not([hidden])")).to_have_count(7)
    expect(detail.locator("#asset-status")).to_have_text("Ready")
    shot("00-library-updated")


def _strict_policy(response) -> str:
    """The response's enforced Content-Security-Policy, checked for the directives that matter."""
    policy = response.headers.get("content-security-policy", "")
    directives = dict((d.split() + [""])[:2] for d in policy.split(";") if d.strip())
    assert directives.get("script-src") == "'self'" and directives.get("style-src") == "'self'", \
        f"{response.url}: {policy!r}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert directives.get("object-src") == "'none'", policy
    return policy


def test_every_page_carries_the_policy_and_keeps_it(page, live_server, processed,
                                                    django_user_model):
    """The site's pages and the admin (a list, a change form) send the policy and break none of it.

    The ``page`` fixture fails the test on any violation these pages report.
    """
    admin = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    base = live_server.url
    _strict_policy(page.goto(f"{base}/login/"))
    log_in(page, base, admin.username)
    profile = processed.renditions.first().profile
    pages = [
        ("/", ".grid .tile"),
        ("/upload/", "#dropzone"),
        (f"/assets/{processed.uid}/", "#workspace[data-ready='1']"),
        ("/review/", "#review-grid"),
        ("/assets/0d2c5bcb-0000-4000-8000-000000000000/", "h1"),  # the 404 page
        ("/admin/", "#content-main"),
        ("/admin/dam/asset/", "#result_list"),
        ("/admin/renditions/renditionprofile/", "#result_list"),
        (f"/admin/renditions/renditionprofile/{profile.pk}/change/", "#renditionprofile_form"),
        ("/admin/renditions/renditionprofile/add/", "#renditionprofile_form"),
    ]
    for path, ready in pages:
        _strict_policy(page.goto(f"{base}{path}"))
        expect(page.locator(ready).first).to_be_attached()
    page.get_by_role("button", name="Save", exact=True).click()  # empty: the form's errors
    expect(page.locator(".errornote")).to_be_visible()
    # The stage's aspect, no longer a style attribute, still comes from the photo (3:2 here).
    page.goto(f"{base}/assets/{processed.uid}/")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1")
    box = page.locator("#stage").bounding_box()
    assert box["width"] / box["height"] == pytest.approx(1200 / 800, abs=0.01)


def test_every_editor_action_writes_through_the_api(page, live_server, editor_reviewer,
                                                    default_profiles, monkeypatch):
    """Process again, focal save and reset, crop reset, review and revert: each one a
    request to /api/ (the page fixture fails any write elsewhere)."""
    def process_now(asset):
        services.asset_process(asset_id=asset.pk)
    monkeypatch.setattr(dam_services, "asset_enqueue", process_now)
    monkeypatch.setattr(editing, "asset_enqueue", process_now)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("quay.jpg", make_photo(1200, 800, subject=(0.3, 0.5))),
        uploaded_by=editor_reviewer)
    editing.crop_set(asset=Asset.objects.get(pk=asset.pk),
                     profile=RenditionProfile.objects.get(slug="square"),
                     box=[0.1, 0.1, 0.6, 0.85], user=editor_reviewer)
    base = live_server.url
    log_in(page, base, editor_reviewer.username)
    page.goto(f"{base}/assets/{asset.uid}/")
    workspace = page.locator("#workspace")
    expect(workspace).to_have_attribute("data-ready", "1")
    page.get_by_role("button", name="Process again").click()
    expect(workspace).to_have_attribute("data-regen", "done")
    focal = page.get_by_role("slider", name="Focal point")
    focal.focus()
    focal.press("ArrowRight")
    focal.press("Enter")
    history = page.locator("#history li")
    expect(history).to_have_count(2)  # the crop set before, and this focal point
    reset = page.get_by_role("button", name="Reset the Square 1:1 crop to automatic")
    reset.click()
    expect(reset).to_be_hidden()
    expect(history).to_have_count(3)
    page.get_by_role("button", name="Approve Hero 16:9").click()
    expect(page.locator("#card-hero [data-field=review]")).to_have_text("Approved")
    expect(history).to_have_count(4)
    expect(history.first).to_have_attribute("data-kind", "review")
    history.first.get_by_role("button", name="Revert").click()
    expect(page.locator("#card-hero [data-field=review]")).to_have_text("To review")
    paths = {(method, path.replace(str(asset.uid), "<id>")) for method, path in page.writes}
    assert {("POST", "/api/assets/<id>/regenerate"), ("POST", "/api/assets/<id>/focal"),
            ("POST", "/api/assets/<id>/crops/square"),
            ("POST", "/api/assets/<id>/review/hero")} <= paths, paths
    assert any(p.startswith("/api/assets/<id>/history/") for _, p in paths), paths
