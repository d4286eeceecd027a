"""The REST API (renditions.api): permissions per role, errors, the delivery JSON, CORS,
the schema and docs. The endpoints one by one: test_api_assets.py."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from renditions import selectors
from tests.integration._api import (  # noqa: F401  (fixtures: no_queue, asset)
    DETAIL_FIELDS, PRIVATE_FIELDS, PUBLIC_FIELDS, _asset, _client, _error, _upload, _urls, asset, no_queue)

pytestmark = pytest.mark.django_db(transaction=True)


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
    expected = {  # name -> (no_role, viewer, editor, reviewer)
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
        for role, status in zip(("no_role", "viewer", "editor", "reviewer"), expected[name]):
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


def test_the_root_lists_the_endpoints_for_anyone(client):
    links = APIClient().get("/api/").json()
    assert set(links) == {"assets", "keywords", "profiles", "collections", "licences", "schema",
                          "docs"}
    for url in links.values():
        assert url.startswith("http://testserver/api/")
    # each link leads somewhere: the docs page, the schema, 401s that ask for a token
    assert client.get(links["docs"]).status_code == 200
    assert client.get(links["schema"]).status_code == 200
    assert APIClient().get(links["assets"]).status_code == 401
    assert APIClient().get(links["profiles"]).status_code == 401
    assert _error(APIClient().post("/api/"), 405)


# --- The delivery JSON at its old address ---------------------------------------

def test_the_detail_keeps_the_delivery_json_exactly(processed, users):
    url = reverse("asset-json", args=[processed.uid])
    assert url == f"/api/assets/{processed.uid}/"
    anonymous = APIClient().get(url).json()
    assert anonymous.keys() == PUBLIC_FIELDS | DETAIL_FIELDS
    assert processed.sha256 not in json.dumps(anonymous)
    viewer = _client(users["viewer"]).get(url).json()
    assert viewer.keys() == PUBLIC_FIELDS | DETAIL_FIELDS | PRIVATE_FIELDS
    for got in (anonymous, viewer):
        assert got["id"] == str(processed.uid) and got["status"] == "ready"
        assert got["progress"] == {"renditions": 7, "profiles": 7, "done": True}
        for r in processed.renditions.select_related("profile"):
            described = got["renditions"][r.profile.slug]
            assert described["file_url"] == f"http://testserver{r.file.url}"
            assert (described["width"], described["height"]) == (r.width, r.height)
            assert described["crop_box"] == list(r.crop_box) and described["key"] == r.key
    assert (viewer["filename"], viewer["sha256"], viewer["error"]) == (
        processed.original_filename, processed.sha256, None)
    assert viewer["renditions"]["hero"]["url"].endswith(f"/d/{processed.uid}/hero")
    assert viewer["saliency"]["focal_origin"] == "auto"


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
        if url == detail:  # the one asset's JSON: any origin, for <salient-img> (ELEMENT_CORS)
            assert other["Access-Control-Allow-Origin"] == "https://evil.example"
            assert "Access-Control-Allow-Credentials" not in other  # the anonymous answer
            continue
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
        "/api/", "/api/assets/", "/api/assets/{uid}/", "/api/assets/{uid}/focal",
        "/api/assets/{uid}/crops/{profile}", "/api/assets/{uid}/review/{profile}",
        "/api/assets/{uid}/regenerate", "/api/assets/{uid}/frame-url", "/api/profiles/",
        "/api/collections/", "/api/licences/",
        "/api/assets/{uid}/plans", "/api/assets/{uid}/history/{event_id}/revert",
        "/api/assets/bulk", "/api/assets/download", "/api/keywords/", "/api/assets/{uid}/usages",
        "/api/assets/{uid}/usages/{usage_id}", "/api/assets/{uid}/restore", "/api/trash/",
        "/api/trash/{uid}", "/api/assets/{uid}/file",
        "/api/assets/{uid}/versions", "/api/assets/{uid}/versions/{number}/restore",
        "/api/assets/{uid}/versions/{number}/file"}
    assert {"get", "patch"} <= schema["paths"]["/api/assets/{uid}/"].keys()
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
