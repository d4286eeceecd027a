"""The REST API (renditions.api): permissions per role, every endpoint, errors, CORS, schema."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dam import services as dam_services
from dam.models import Asset
from dam.roles import ensure_roles
from renditions import editing, enqueue, selectors
from renditions.models import CropDecision, RenditionProfile
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_FIELDS = {"id", "title", "alt_text", "width", "height", "status", "created_at",
                 "progress", "renditions"}
PRIVATE_FIELDS = {"filename", "format", "sha256", "error", "saliency"}


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Enqueueing records the asset instead: the pipeline runs only where a test runs it."""
    queued = []
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: queued.append(asset.pk))
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: queued.append(asset.pk))
    return queued


@pytest.fixture
def users(editor, django_user_model):
    groups = ensure_roles()

    def user(name, group=None):
        created = django_user_model.objects.create_user(name, password="pw-for-tests")
        if group:
            created.groups.add(groups[group])
        return created
    return {"nobody": user("nobody"), "viewer": user("vi", "Viewers"), "editor": editor,
            "reviewer": user("rev", "Reviewers")}


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


@pytest.fixture
def asset(editor, default_profiles):
    """Stored and queued, not analysed yet."""
    return _asset(editor)


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


# --- Who may call what ---------------------------------------------------------

def test_each_role_reaches_what_the_ui_lets_it(asset, users):
    urls = _urls(asset.uid)
    calls = {  # name -> (method, url, body)
        "list": ("get", urls["list"], None),
        "detail": ("get", urls["detail"], None),
        "upload": ("post", urls["list"], "upload"),
        "focal": ("post", urls["focal"], {"x": 0.4, "y": 0.6}),  # 409: not analysed yet
        "crop": ("post", urls["crop"], {"box": [0.1, 0.1, 0.9, 0.9]}),
        "review": ("post", urls["review"], {"review": "needs_work"}),
        "regenerate": ("post", urls["regenerate"], None),
        "profiles": ("get", urls["profiles"], None),
        "profile create": ("post", urls["profiles"], {"slug": "wide", "name": "Wide",
                                                      "aspect_width": 21, "aspect_height": 9}),
    }
    expected = {  # name -> (nobody, viewer, editor, reviewer)
        "list": (403, 200, 200, 200),
        "detail": (200, 200, 200, 200),
        "upload": (403, 403, 201, 403),
        "focal": (403, 403, 409, 403),
        "crop": (403, 403, 200, 403),
        "review": (403, 403, 403, 200),
        "regenerate": (403, 403, 202, 403),
        "profiles": (403, 200, 200, 200),
        "profile create": (403, 403, 403, 403),  # the admin's permission, in no role
    }
    problems = []
    for name, (method, url, body) in calls.items():
        for role, status in zip(("nobody", "viewer", "editor", "reviewer"), expected[name]):
            client = _client(users[role])
            if body == "upload":
                got = client.post(url, {"files": [_upload(f"{role}.jpg", subject=(0.3, 0.4))]})
            else:
                got = getattr(client, method)(url, body, format="json")
            if got.status_code != status:
                problems.append(f"{name} as {role}: {got.status_code}, expected {status}")
            elif status >= 400:
                _error(got, status)
    assert not problems, "\n".join(problems)


def test_anonymous_callers_get_401_with_the_token_challenge(asset):
    urls, client = _urls(asset.uid), APIClient()
    for method, url in [("get", urls["list"]), ("post", urls["list"]), ("post", urls["focal"]),
                        ("post", urls["crop"]), ("post", urls["review"]),
                        ("post", urls["regenerate"]), ("get", urls["profiles"])]:
        response = getattr(client, method)(url, {}, format="json")
        body = _error(response, 401)
        assert response["WWW-Authenticate"] == "Token", url
        assert body["error"] == "Authentication credentials were not provided."
    assert client.get(urls["detail"]).status_code == 200  # the delivery JSON is public


def test_a_token_authenticates_and_a_bad_one_is_refused(asset, users):
    token = Token.objects.create(user=users["viewer"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(reverse("api-assets")).status_code == 200
    detail = client.get(reverse("asset-json", args=[asset.uid])).json()
    assert PRIVATE_FIELDS <= detail.keys()  # the token's user may view assets
    body = _error(APIClient(HTTP_AUTHORIZATION="Token nope").get(reverse("api-assets")), 401)
    assert body["error"] == "Invalid token."


def test_sessions_need_the_csrf_token_and_tokens_do_not(asset, users):
    url = reverse("api-asset-crop", args=[asset.uid, "hero"])
    body = {"box": [0.1, 0.1, 0.9, 0.9]}
    session = _client(users["editor"], enforce_csrf_checks=True)
    assert "CSRF" in _error(session.post(url, body, format="json"), 403)["error"]
    session.get(reverse("login"))  # the form sets the CSRF cookie
    token = session.cookies["csrftoken"].value
    assert session.post(url, body, format="json", HTTP_X_CSRFTOKEN=token).status_code == 200
    key = Token.objects.create(user=users["editor"]).key
    tokened = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    assert tokened.post(url, {"reset": True}, format="json").status_code == 200


# --- Errors are JSON with a reason ----------------------------------------------

def test_wrong_methods_types_and_paths_answer_json(asset, users):
    urls, editor = _urls(asset.uid), _client(users["editor"])
    for method, url in [("get", urls["focal"]), ("delete", urls["list"]),
                        ("put", urls["detail"]), ("options", urls["list"]),
                        ("get", urls["regenerate"])]:
        assert "not allowed" in _error(getattr(editor, method)(url), 405)["error"], url
    assert "multipart" in _error(editor.post(urls["list"], {"files": []}, format="json"),
                                 415)["error"]
    assert "application/json" in _error(editor.post(urls["crop"], {"reset": "1"}), 415)["error"]
    assert _error(editor.post(urls["crop"], "{nope", content_type="application/json"), 400)
    unknown = _urls("00000000-0000-0000-0000-000000000000")
    assert _error(editor.get(unknown["detail"]), 404)["error"] == "No asset with this id."
    assert _error(editor.post(unknown["focal"], {"reset": True}, format="json"), 404)
    missing = reverse("api-asset-crop", args=[asset.uid, "nope"])
    assert "nope" in _error(editor.post(missing, {"reset": True}, format="json"), 404)["error"]
    assert "/api/docs/" in _error(editor.get("/api/nothing/here"), 404)["error"]
    assert "/api/assets/" in _error(editor.get("/api/assets"), 404)["error"]  # no slash


# --- The delivery JSON at its old address ---------------------------------------

def test_the_detail_keeps_the_delivery_json_exactly(processed, users, rf):
    url = reverse("asset-json", args=[processed.uid])
    assert url == f"/api/assets/{processed.uid}/"
    anonymous = APIClient().get(url).json()
    assert anonymous.keys() == PUBLIC_FIELDS
    assert processed.sha256 not in json.dumps(anonymous)
    viewer = _client(users["viewer"]).get(url).json()
    assert viewer.keys() == PUBLIC_FIELDS | PRIVATE_FIELDS
    request = rf.get(url)

    def stable(asset, slug):
        return request.build_absolute_uri(reverse("deliver", args=[asset.uid, slug]))
    for private, got in ((False, anonymous), (True, viewer)):
        assert got == json.loads(json.dumps(selectors.asset_payload(
            asset=processed, build_url=stable, absolute=request.build_absolute_uri,
            private=private)))
    assert viewer["renditions"]["hero"]["url"].endswith(f"/d/{processed.uid}/hero")
    assert viewer["saliency"]["focal_origin"] == "auto"


# --- The list ---------------------------------------------------------------------

def test_the_list_pages_by_the_dam_page_size(editor, users, settings):
    settings.DAM = {"PAGE_SIZE": 2}
    for i in range(5):
        _asset(editor, f"pier-{i}.jpg", subject=(0.2 + 0.1 * i, 0.5))
    viewer, url = _client(users["viewer"]), reverse("api-assets")
    first = viewer.get(url).json()
    assert first["count"] == 5 and first["previous"] is None
    assert [a["title"] for a in first["results"]] == ["pier-4", "pier-3"]
    assert "page=2" in first["next"]
    assert PUBLIC_FIELDS | PRIVATE_FIELDS == first["results"][0].keys()
    last = viewer.get(url, {"page": 3}).json()
    assert [a["title"] for a in last["results"]] == ["pier-0"] and last["next"] is None
    assert len(viewer.get(url, {"page_size": 10}).json()["results"]) == 5
    assert len(viewer.get(url, {"page_size": 1000}).json()["results"]) == 5  # capped at 100
    assert _error(viewer.get(url, {"page": 9}), 404)["error"] == "Invalid page."


def test_the_list_searches_title_and_file_name_and_filters_status(editor, users):
    pier, dune = _asset(editor, "pier.jpg"), _asset(editor, "dune.jpg", subject=(0.3, 0.3))
    Asset.objects.filter(pk=dune.pk).update(title="Desert", status=Asset.Status.READY)
    viewer, url = _client(users["viewer"]), reverse("api-assets")

    def ids(**query):
        return [a["id"] for a in viewer.get(url, query).json()["results"]]
    assert ids(q="desert") == [str(dune.uid)]  # title
    assert ids(q="DUNE.jp") == [str(dune.uid)]  # file name
    assert ids(q="pier") == [str(pier.uid)]
    assert ids(status="ready") == [str(dune.uid)]
    assert ids(status="queued", q="desert") == []
    assert ids() == [str(dune.uid), str(pier.uid)]
    body = _error(viewer.get(url, {"status": "lost"}), 400)
    assert "status" in body["fields"] and body["error"].startswith("status:")


def test_updated_since_gives_sync_jobs_what_changed(editor, users):
    old, new = _asset(editor, "old.jpg"), _asset(editor, "new.jpg", subject=(0.3, 0.3))
    now = timezone.now()
    Asset.objects.filter(pk=old.pk).update(updated_at=now - timedelta(days=2))
    viewer, url = _client(users["viewer"]), reverse("api-assets")

    def ids(since):
        return [a["id"] for a in viewer.get(url, {"updated_since": since}).json()["results"]]
    day_ago = now - timedelta(days=1)
    assert ids(day_ago.isoformat()) == [str(new.uid)]
    assert ids(day_ago.strftime("%Y-%m-%dT%H:%M:%SZ")) == [str(new.uid)]
    assert ids(day_ago.strftime("%Y-%m-%dT%H:%M:%S")) == [str(new.uid)]  # naive: UTC
    # An unescaped "+" of the offset arrives as a space:
    plain = viewer.get(f"{url}?updated_since={day_ago.strftime('%Y-%m-%dT%H:%M:%S')}+00:00")
    assert [a["id"] for a in plain.json()["results"]] == [str(new.uid)]
    assert len(ids((now - timedelta(days=3)).isoformat())) == 2
    assert ids((now + timedelta(minutes=1)).isoformat()) == []
    body = _error(viewer.get(url, {"updated_since": "yesterday"}), 400)
    assert "updated_since" in body["fields"] and "format" in body["error"]


# --- Upload -----------------------------------------------------------------------

def test_upload_one_file(users):
    response = _client(users["editor"]).post(reverse("api-assets"), {
        "files": [_upload("harbour.jpg")], "title": "Harbour", "alt_text": "Boats at dusk"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["errors"] == [] and len(body["created"]) == 1
    created = body["created"][0]
    assert created["title"] == "Harbour" and created["alt_text"] == "Boats at dusk"
    assert created["status"] == "queued" and created["filename"] == "harbour.jpg"
    asset = Asset.objects.get(uid=created["id"])
    assert asset.uploaded_by == users["editor"] and (asset.width, asset.height) == (320, 240)


def test_upload_several_files_keeps_the_good_ones_and_names_the_bad(editor, users):
    existing = _asset(editor, "pier.jpg")
    files = [_upload("a.jpg", subject=(0.2, 0.2)), _upload("notes.jpg", b"not an image"),
             _upload("b.jpg", subject=(0.8, 0.8)), _upload("again.jpg")]  # again = pier's bytes
    response = _client(users["editor"]).post(reverse("api-assets"), {"files": files})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["filename"] for a in body["created"]] == ["a.jpg", "b.jpg"]
    refused = {e["file"]: e for e in body["errors"]}
    assert refused.keys() == {"notes.jpg", "again.jpg"}
    assert refused["notes.jpg"]["error"].startswith("notes.jpg: ")
    assert refused["notes.jpg"]["existing"] is None
    assert refused["again.jpg"]["existing"] == str(existing.uid)
    assert Asset.objects.count() == 3


def test_an_upload_with_nothing_stored_is_a_400(users):
    editor, url = _client(users["editor"]), reverse("api-assets")
    body = _error(editor.post(url, {"files": [_upload("empty.jpg", b"")]}), 400)
    assert body["error"] == "empty.jpg: the file is empty." and body["created"] == []
    assert body["errors"][0]["file"] == "empty.jpg"
    body = _error(editor.post(url, {"title": "no files"}), 400)
    assert "files" in body["fields"]
    assert Asset.objects.count() == 0


# --- Focal point, crop, review, regenerate ---------------------------------------------

def test_focal_point_set_reset_and_refused(processed, users, no_queue):
    url, editor = reverse("api-asset-focal", args=[processed.uid]), _client(users["editor"])
    no_queue.clear()
    response = editor.post(url, {"x": 0.25, "y": 0.75}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"focal": [0.25, 0.75], "focal_origin": "editor"}
    assert no_queue == [processed.pk]  # the renditions follow
    processed.analysis.refresh_from_db()
    assert processed.analysis.focal_origin == "editor"
    reset = editor.post(url, {"reset": True}, format="json").json()
    assert reset["focal_origin"] == "auto" and reset["focal"] != [0.25, 0.75]
    assert "x" in _error(editor.post(url, {"x": 1.5, "y": 0.5}, format="json"), 400)["fields"]
    assert _error(editor.post(url, {"x": 0.5}, format="json"),
                  400)["error"] == "Give x and y, or reset: true."


def test_focal_point_of_an_asset_not_analysed_is_a_409(asset, users):
    url = reverse("api-asset-focal", args=[asset.uid])
    body = _error(_client(users["editor"]).post(url, {"x": 0.5, "y": 0.5}, format="json"), 409)
    assert "not been analysed" in body["error"]


def test_crop_override_set_clear_and_locked_by_approval(asset, users):
    url = reverse("api-asset-crop", args=[asset.uid, "hero"])
    editor, reviewer = _client(users["editor"]), _client(users["reviewer"])
    response = editor.post(url, {"box": [0.1, 0.2, 0.9, 0.8]}, format="json")
    assert response.status_code == 200 and response.json() == {"box": [0.1, 0.2, 0.9, 0.8]}
    assert CropDecision.objects.get(asset=asset).box == [0.1, 0.2, 0.9, 0.8]
    assert editor.post(url, {"reset": True}, format="json").json() == {"box": None}
    assert "x0 < x1" in _error(editor.post(url, {"box": [0.9, 0.1, 0.1, 0.9]}, format="json"),
                               400)["error"]
    assert "box" in _error(editor.post(url, {"box": [0.1, 0.1, 0.9]}, format="json"),
                           400)["fields"]
    assert _error(editor.post(url, {}, format="json"), 400)["error"] == \
        "Give a box, or reset: true."
    review = reverse("api-asset-review", args=[asset.uid, "hero"])
    assert reviewer.post(review, {"review": "approved"}, format="json").json() == \
        {"review": "approved"}
    assert "reviewer approved" in _error(editor.post(url, {"reset": True}, format="json"),
                                         409)["error"]


def test_review_states(asset, users):
    url = reverse("api-asset-review", args=[asset.uid, "hero"])
    reviewer = _client(users["reviewer"])
    for state in ("needs_work", "approved", "pending"):
        assert reviewer.post(url, {"review": state}, format="json").json() == {"review": state}
    decision = CropDecision.objects.get(asset=asset)
    assert decision.review == "pending" and decision.reviewed_by == users["reviewer"]
    body = _error(reviewer.post(url, {"review": "maybe"}, format="json"), 400)
    assert "review" in body["fields"]


def test_regenerate_queues_the_asset(asset, users, no_queue):
    no_queue.clear()
    response = _client(users["editor"]).post(reverse("api-asset-regenerate", args=[asset.uid]))
    assert response.status_code == 202
    assert response.json() == {"id": str(asset.uid), "status": "queued"}
    assert no_queue == [asset.pk]


# --- Profiles -------------------------------------------------------------------

@pytest.fixture
def profile_admin(users):
    user = users["editor"]
    user.user_permissions.add(Permission.objects.get(
        content_type__app_label="renditions", codename="add_renditionprofile"))
    return _client(type(user).objects.get(pk=user.pk))  # a fresh permission cache


def test_profiles_list(default_profiles, users):
    body = _client(users["viewer"]).get(reverse("api-profiles")).json()
    assert [p["slug"] for p in body] == sorted(p.slug for p in default_profiles)
    assert {"slug", "name", "aspect_width", "format", "quality", "is_active"} <= body[0].keys()


def test_creating_an_active_profile_queues_every_asset(asset, editor, profile_admin,
                                                       monkeypatch):
    failed = _asset(editor, "broken.jpg", subject=(0.3, 0.3))
    Asset.objects.filter(pk=failed.pk).update(status=Asset.Status.FAILED)
    sent = []
    monkeypatch.setattr(enqueue, "processing", lambda asset_id, ids=None: sent.append(
        (asset_id, ids)))
    response = profile_admin.post(reverse("api-profiles"), {
        "slug": "wide", "name": "Wide", "aspect_width": 21, "aspect_height": 9,
        "max_width": 1600, "format": "webp"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    profile = RenditionProfile.objects.get(slug="wide")
    assert body["queued"] == 1 and body["format"] == "webp" and body["is_active"] is True
    assert sent == [(asset.pk, [profile.pk])]  # as the admin does; failed assets wait
    inactive = profile_admin.post(reverse("api-profiles"), {
        "slug": "draft", "name": "Draft", "width": 300, "height": 200, "is_active": False},
        format="json")
    assert inactive.status_code == 201 and inactive.json()["queued"] == 0
    assert len(sent) == 1


def test_a_profile_is_checked_by_the_models_clean(default_profiles, profile_admin):
    url = reverse("api-profiles")
    body = _error(profile_admin.post(url, {"slug": "x", "name": "X"}, format="json"), 400)
    assert body["error"] == "Give an aspect ratio or an exact width and height."
    body = _error(profile_admin.post(url, {"slug": "y", "name": "Y", "width": 100},
                                     format="json"), 400)
    assert "exact width and height" in body["error"]
    body = _error(profile_admin.post(url, {"slug": "hero", "name": "Again", "aspect_width": 1,
                                           "aspect_height": 1}, format="json"), 400)
    assert "slug" in body["fields"]
    body = _error(profile_admin.post(url, {"slug": "z", "name": "Z", "aspect_width": 1,
                                           "aspect_height": 1, "zoom": 2}, format="json"), 400)
    assert body["error"] == "Zoom is between 0 and 1."


# --- CORS ----------------------------------------------------------------------------

def test_cors_allows_only_the_listed_origins_on_api_and_delivery(asset, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.com"]
    client = APIClient()
    detail = reverse("asset-json", args=[asset.uid])
    delivery = reverse("deliver", args=[asset.uid, "hero"])  # 404 until rendered: still CORS
    for url in (detail, delivery, "/media/renditions/none.jpg"):
        allowed = client.get(url, HTTP_ORIGIN="https://www.example.com")
        assert allowed["Access-Control-Allow-Origin"] == "https://www.example.com", url
        assert "Access-Control-Allow-Credentials" not in allowed
        other = client.get(url, HTTP_ORIGIN="https://evil.example")
        assert "Access-Control-Allow-Origin" not in other, url
    preflight = client.options(reverse("api-assets"), HTTP_ORIGIN="https://www.example.com",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization")
    assert preflight.status_code == 200
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    page = client.get(reverse("login"), HTTP_ORIGIN="https://www.example.com")
    assert "Access-Control-Allow-Origin" not in page  # pages are not shared


def _settings_value(name: str, **env) -> object:
    code = f"import json; from django.conf import settings; print(json.dumps(settings.{name}))"
    environ = {k: v for k, v in os.environ.items() if k != "SALIENT_CORS_ORIGINS"}
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, timeout=60,
                          env={**environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cors_origins_come_from_the_environment_and_default_to_none():
    assert _settings_value("CORS_ALLOWED_ORIGINS") == []
    assert _settings_value("CORS_ALLOWED_ORIGINS", SALIENT_CORS_ORIGINS=(
        "https://a.example, https://b.example")) == ["https://a.example", "https://b.example"]


# --- Schema and docs ---------------------------------------------------------------

def test_the_schema_is_openapi_3_and_lists_every_endpoint(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/assets/", "/api/assets/{uid}/", "/api/assets/{uid}/focal",
        "/api/assets/{uid}/crops/{profile}", "/api/assets/{uid}/review/{profile}",
        "/api/assets/{uid}/regenerate", "/api/assets/{uid}/frame-url", "/api/profiles/"}
    upload = schema["paths"]["/api/assets/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"tokenAuth", "cookieAuth"} <= schema["components"]["securitySchemes"].keys()


def test_spectacular_validates_without_warnings(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file",
                 str(tmp_path / "schema.yml"), stdout=out, stderr=err)
    assert err.getvalue() == "" and (tmp_path / "schema.yml").stat().st_size > 1000


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline: list[str] = []  # text inside <script> or <style>
        self._open = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag

    def handle_data(self, data):
        if self._open in ("script", "style") and data.strip():
            self.inline.append(data)


def test_the_docs_page_works_under_the_csp(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    page = _Tags()
    page.feed(response.content.decode())
    assert page.inline == []  # no inline script or style for the CSP to refuse
    assert not [t for t, attrs in page.tags if t == "style" or "style" in attrs
                or any(a.startswith("on") for a in attrs)]
    scripts = [attrs["src"] for tag, attrs in page.tags if tag == "script"]
    sheets = [attrs["href"] for tag, attrs in page.tags if tag == "link"]
    assert len(scripts) == 3 and all(src.startswith("/") for src in scripts + sheets)
    for url in scripts + sheets:
        got = client.get(url)
        assert got.status_code == 200, url
        body = b"".join(got.streaming_content) if got.streaming else got.content
        assert body, url
    init = client.get(scripts[-1])
    assert init["Content-Type"].startswith("application/javascript")
    assert re.search(r'url: "/api/schema/', init.content.decode())
