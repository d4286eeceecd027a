"""Usage (issue 24, must-have 3): sites record where they use an asset, through the API
or the frame-URL call; the asset JSON counts them, the asset page lists them (and warns
when an expiry is set), the library filters and counts "in use" / "unused", and the
rights webhooks carry them."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from dam import usages
from dam.models import Usage
from renditions import rights as rights_service
from tests.integration._api import _client, _error, asset, no_queue  # noqa: F401 (fixtures)
from tests.integration.test_collections import desk, tree  # noqa: F401 (fixtures)
from tests.integration.test_rights import Clock
from tests.integration.test_webhooks import sent  # noqa: F401 (fixture)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=dt_timezone.utc)
H = timedelta(hours=1)
PAGE = "https://www.example.com/news/harbour-storm"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(T0)
    monkeypatch.setattr(timezone, "now", c)
    return c


def _record(user, uid, **body):
    return _client(user).post(reverse("api-asset-usages", args=[uid]), json.dumps(body),
                              content_type="application/json")


def _json(uid, user=None) -> dict:
    return _client(user).get(reverse("asset-json", args=[uid])).json()


# --- Record, list, remove -----------------------------------------------------------

def test_recording_twice_keeps_one_row_and_refreshes_last_seen(users, asset, clock):
    first = _record(users["editor"], asset.uid, url=PAGE, site="www.example.com",
                    rendition="hero")
    assert first.status_code == 201, first.content
    assert first.json()["last_seen_at"] == "2026-12-01T12:00:00Z"
    clock.at(T0 + H)
    again = _record(users["editor"], asset.uid, url=PAGE, site="www.example.com",
                    rendition="hero")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["created_at"] == "2026-12-01T12:00:00Z"
    assert again.json()["last_seen_at"] == "2026-12-01T13:00:00Z"
    assert Usage.objects.filter(asset=asset).count() == 1
    assert _json(asset.uid)["usage_count"] == 1  # public: the count, not the pages
    other = _record(users["editor"], asset.uid, url=PAGE, rendition="800x450")
    assert other.status_code == 201  # the same page showing another rendition: a new row
    assert Usage.objects.filter(asset=asset).count() == 2
    assert _json(asset.uid)["usage_count"] == 1  # ... on one page


def test_viewers_list_usages_most_recently_seen_first_and_editors_remove_them(
        users, asset, clock):
    _record(users["editor"], asset.uid, url=PAGE, rendition="")
    clock.at(T0 + H)
    _record(users["editor"], asset.uid, url="http://blog.example.org/p/1", site="Blog",
            rendition="800x450")
    listed = _client(users["viewer"]).get(reverse("api-asset-usages", args=[asset.uid]))
    assert listed.status_code == 200 and listed["Cache-Control"] == "private, no-cache"
    assert [(u["url"], u["site"], u["rendition"]) for u in listed.json()] == [
        ("http://blog.example.org/p/1", "Blog", "800x450"), (PAGE, "", "")]
    gone = listed.json()[1]["id"]
    url = reverse("api-asset-usage", args=[asset.uid, gone])
    _error(_client(users["viewer"]).delete(url), 403)
    assert _client(users["editor"]).delete(url).status_code == 204
    _error(_client(users["editor"]).delete(url), 404)
    assert list(Usage.objects.values_list("url", flat=True)) == ["http://blog.example.org/p/1"]


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://files.example.com/a.jpg"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "https://example.com/" + "a" * 2990}, "url"),  # 3010 characters
    ({"url": PAGE, "site": "s" * 256}, "site"),
    ({"url": PAGE, "rendition": "no-such-profile"}, "rendition"),
    ({"url": PAGE, "rendition": "800x0"}, "rendition"),
    ({"site": "www.example.com"}, "url"),
])
def test_a_bad_usage_is_refused_naming_the_field(users, asset, body, field):
    error = _error(_record(users["editor"], asset.uid, **body), 400)
    assert field in error["fields"]
    assert not Usage.objects.exists()


def test_who_may_record_and_see_usages(users, asset):
    _error(_record(users["viewer"], asset.uid, url=PAGE), 403)
    _error(_record(users["reviewer"], asset.uid, url=PAGE), 403)
    _error(_record(None, asset.uid, url=PAGE), 401)
    _error(_client().get(reverse("api-asset-usages", args=[asset.uid])), 401)
    assert not Usage.objects.exists()


def test_a_user_who_cannot_view_the_collection_gets_404(tree, desk):
    places, assets = tree
    news = assets["news"]
    assert _record(desk["sport_editor"], news.uid, url=PAGE).status_code == 404
    sport = _record(desk["sport_editor"], assets["sport"].uid, url=PAGE)
    assert sport.status_code == 201  # an edit grant records where it holds
    assert _client(desk["sport_editor"]).get(
        reverse("api-asset-usages", args=[news.uid])).status_code == 404
    _error(_record(desk["news_viewer"], news.uid, url=PAGE), 403)  # sees it, may not record
    assert Usage.objects.get().asset == assets["sport"]


# --- The frame-URL call ---------------------------------------------------------------

def test_the_frame_url_call_records_the_frame_it_signs(users, asset):
    url = reverse("api-asset-frame-url", args=[asset.uid])
    signed = _client(users["editor"]).get(url, {"size": "800x450", "used_on": PAGE,
                                                "site": "www.example.com"})
    assert signed.status_code == 200, signed.content
    usage = Usage.objects.get()
    assert (usage.url, usage.site, usage.rendition) == (PAGE, "www.example.com", "800x450")
    assert _client(users["viewer"]).get(url, {"size": "800x450"}).status_code == 200
    refused = _error(_client(users["viewer"]).get(url, {"size": "800x450", "used_on": PAGE}),
                     403)
    assert "where a photo is used" in refused["error"]
    bad = _error(_client(users["editor"]).get(url, {"size": "800x450",
                                                    "used_on": "ftp://x.example/"}), 400)
    assert "used_on" in bad["fields"]
    assert Usage.objects.count() == 1


def test_the_template_tag_records_the_page_it_renders(asset, rf, settings):
    settings.ALLOWED_HOSTS = ["www.example.com"]
    page = Template('{% load salient %}{% salient_used asset "hero" %}')
    request = rf.get("/news/harbour-storm", {"utm_source": "x"}, HTTP_HOST="www.example.com")
    for _ in range(2):
        assert page.render(Context({"asset": asset, "request": request})) == ""
    usage = Usage.objects.get()  # once: the query string is not part of the page
    assert (usage.url, usage.site, usage.rendition) == (
        "http://www.example.com/news/harbour-storm", "www.example.com", "hero")
    assert page.render(Context({"asset": asset})) == ""  # no request: nothing recorded
    assert Usage.objects.count() == 1


# --- The library ----------------------------------------------------------------------

def test_the_library_filters_and_counts_in_use_and_unused(users, tree):
    _, assets = tree
    for name in ("news", "sport"):
        usages.usage_record(asset=assets[name], url=PAGE)
    usages.usage_record(asset=assets["news"], url=PAGE + "?2")  # two pages: counted once
    client = _client(users["viewer"])
    found = client.get(reverse("api-assets"), {"usage": "in_use", "facets": "true"}).json()
    assert {a["id"] for a in found["results"]} == {str(assets["news"].uid),
                                                    str(assets["sport"].uid)}
    assert {a["usage_count"] for a in found["results"]} == {1, 2}
    assert found["facets"]["usage"] == [{"value": "in_use", "count": 2}]
    unused = client.get(reverse("api-assets"), {"usage": "unused", "facets": "true"}).json()
    assert {a["id"] for a in unused["results"]} == {str(assets["root"].uid),
                                                     str(assets["politics"].uid)}
    every = client.get(reverse("api-assets"), {"facets": "true"}).json()
    assert every["facets"]["usage"] == [{"value": "in_use", "count": 2},
                                        {"value": "unused", "count": 2}]
    _error(client.get(reverse("api-assets"), {"usage": "sometimes"}), 400)
    page = _client(users["viewer"]).get(reverse("library"), {"usage": "unused"})
    assert page.status_code == 200
    shown = page.content.decode()
    assert "<h2>Use</h2>" in shown and 'aria-current="true" title="Remove this filter">Unused' \
        in shown  # the "Use" facet, its value on
    assert str(assets["root"].uid) in shown and str(assets["news"].uid) not in shown


# --- The asset page ---------------------------------------------------------------------

def test_the_asset_page_names_the_pages_and_warns_when_it_expires(users, asset):
    page = reverse("asset", args=[asset.uid])
    assert b"Not used anywhere yet" in _client(users["viewer"]).get(page).content
    usages.usage_record(asset=asset, url=PAGE, site="www.example.com", rendition="hero")
    usages.usage_record(asset=asset, url="https://blog.example.org/p/1")
    usages.usage_record(asset=asset, url=PAGE, rendition="800x450")  # the same page again
    shown = _client(users["viewer"]).get(page).content.decode()
    assert "Used on 2 pages" in shown
    assert f'<a href="{PAGE}" rel="noopener noreferrer">' in shown
    assert 'id="usage-warning"' not in shown  # no expiry: nothing to warn of
    asset.expires_at = T0 + 24 * H
    asset.save(update_fields=["expires_at"])
    warned = _client(users["viewer"]).get(page).content.decode()
    warning = warned[warned.index('id="usage-warning"'):]
    warning = warning[:warning.index("</p>")]
    assert "the 2 pages that use it" in warning
    assert warning.count(PAGE) == 2 and "https://blog.example.org/p/1" in warning  # href, text


# --- The rights webhooks ----------------------------------------------------------------

def test_the_expired_webhook_names_the_pages(processed, clock, sent):
    Endpoint.objects.create(url="https://site.test/hook")
    usages.usage_record(asset=processed, url=PAGE, site="www.example.com", rendition="hero")
    processed.expires_at = T0 + H
    processed.save(update_fields=["expires_at"])
    rights_service.rights_apply()
    clock.at(T0 + 2 * H)
    rights_service.rights_apply()
    expired = Delivery.objects.get(event="asset.expired")
    assert expired.payload["usages"] == [
        {"url": PAGE, "site": "www.example.com", "rendition": "hero"}]
    assert expired.payload["asset"]["usage_count"] == 1


def test_the_admin_lists_usages_read_only(users, asset, django_user_model):
    assert _record(users["editor"], asset.uid, url=PAGE, site="www.example.com",
                   rendition="hero").status_code == 201
    client = _client(django_user_model.objects.create_superuser("root", password="pw-tests"))
    found = client.get(reverse("admin:dam_usage_changelist"), {"q": "www.example.com"})
    assert found.status_code == 200 and PAGE.encode() in found.content
    assert b"Select usage to view" in found.content  # recorded by sites, through the API
    assert client.get(reverse("admin:dam_usage_add")).status_code == 403
    page = client.get(reverse("admin:dam_asset_change", args=[asset.pk]))
    assert page.status_code == 200 and PAGE.encode() in page.content
    usage = Usage.objects.get(asset=asset)
    change = client.post(reverse("admin:dam_usage_change", args=[usage.pk]),
                         {"url": "https://elsewhere.example/"})
    assert change.status_code == 403 and Usage.objects.get(pk=usage.pk).url == PAGE
