"""The library's search, facets and collections in headless Chromium: words found
whatever their accents and endings, facets that narrow and keep through a new search,
a desk that sees only its collection, and an upload into a chosen collection.

Screenshots go to artifacts/screenshots/search-*.png.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dam import services as dam_services
from dam.models import Asset, Collection, CollectionGrant
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(editor, default_profiles, monkeypatch):
    """News and Sport under the root; three photos, described, not processed."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    root = Collection.root()
    news = dam_services.collection_create(name="News", parent=root)
    sport = dam_services.collection_create(name="Sport", parent=root)
    made = {}
    for i, (name, collection, caption, keywords) in enumerate((
            ("harbour", news, "Zürich harbour at dawn, fishermen mending nets", ["Harbour"]),
            ("regatta", sport, "Boats racing on the lake", ["Sailing"]),
            ("tram", root, "A Zurich tram in the rain", ["Transport"]))):
        asset = dam_services.asset_create(
            file=SimpleUploadedFile(f"{name}.jpg", make_photo(360, 240, subject=(0.2 + i / 4,
                                                                                  0.5))),
            uploaded_by=editor, collection=collection)
        Asset.objects.filter(pk=asset.pk).update(caption=caption)
        asset.tags.add(*keywords)
        made[name] = asset
    dam_services.assets_search_refresh(assets=Asset.objects.all())
    return {"news": news, "sport": sport, **made}


def _titles(page) -> set[str]:
    return set(page.locator(".tile .title").all_inner_texts())


def test_search_folds_accents_and_stems_and_facets_narrow(page, live_server, editor, library,
                                                          shot):
    base = live_server.url
    log_in(page, base, editor.username)
    page.get_by_role("searchbox").fill("zurich")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".tile")).to_have_count(2)  # "Zürich" and "Zurich"
    assert _titles(page) == {"harbour", "tram"}
    facets = page.get_by_role("complementary", name="Filters")
    expect(facets.get_by_role("link", name="News")).to_be_visible()
    shot("search-01-zurich-with-facets")
    facets.get_by_role("link", name="News").click()
    expect(page.locator(".tile")).to_have_count(1)
    assert _titles(page) == {"harbour"}
    # a new search keeps the collection filter that is on
    page.get_by_role("searchbox").fill("mended net")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".tile")).to_have_count(1)
    assert "collection=" in page.url
    expect(page.get_by_role("complementary", name="Filters").locator("li.on")).to_contain_text(
        "News")
    shot("search-02-stems-within-news")
    page.get_by_role("complementary", name="Filters").locator("li.on a").first.click()
    expect(page.locator(".tile")).to_have_count(1)  # the words alone: still only the harbour
    page.get_by_role("searchbox").fill("boats")
    page.get_by_role("button", name="Search").click()
    assert _titles(page) == {"regatta"}


def test_a_desk_sees_only_its_collection(page, live_server, library, django_user_model, shot):
    group = Group.objects.create(name="News desk")
    CollectionGrant.objects.create(group=group, collection=library["news"], level="view")
    reader = django_user_model.objects.create_user("newsdesk", password=PASSWORD)
    reader.groups.add(group)
    base = live_server.url
    log_in(page, base, reader.username)
    expect(page.locator(".tile")).to_have_count(1)
    assert _titles(page) == {"harbour"}
    page.get_by_role("searchbox").fill("zurich")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".tile")).to_have_count(1)  # the root's tram is not theirs
    shot("search-03-news-desk")
    response = page.goto(f"{base}/assets/{library['tram'].uid}/")
    assert response.status == 404


def test_an_upload_goes_into_the_chosen_collection(page, live_server, editor, library, shot,
                                                   tmp_path):
    base = live_server.url
    log_in(page, base, editor.username)
    page.goto(f"{base}/upload/")
    page.get_by_label("Into the collection").select_option(label="Sport")
    photo = tmp_path / "finish.jpg"
    photo.write_bytes(make_photo(360, 240, subject=(0.8, 0.3)))
    page.set_input_files("#upload-form input[type=file]", [str(photo)])
    expect(page.locator("#uploads li").first).to_contain_text("Uploaded:")
    shot("search-04-upload-into-sport")
    assert Asset.objects.get(original_filename="finish.jpg").collection == library["sport"]
