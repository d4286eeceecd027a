"""Security: who reaches which URL, CSRF, response headers, private originals and analyses.

The access matrix walks the URLconf itself, so a new URL fails here until it is
given a row in ``EXPECTED`` (and, if it takes a new converter, a filler).
"""
from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, path, reverse

from dam import services as dam_services
from dam import urls as dam_urls
from dam import usages
from dam import views as dam_views
from dam.models import Asset
from renditions import editing, replacing, services
from renditions.models import EditEvent
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anonymous", "no_role", "viewer", "editor", "reviewer")
BASE_DIR = Path(settings.BASE_DIR)


def _roles(anonymous, no_role, viewer, editor, reviewer) -> dict[str, set[int]]:
    return dict(zip(ROLES, (anonymous, no_role, viewer, editor, reviewer)))


PUBLIC = _roles({200}, {200}, {200}, {200}, {200})
VIEWERS = _roles({302}, {403}, {200}, {200}, {200})  # needs dam.view_asset
NOT_ALLOWED = _roles({405}, {405}, {405}, {405}, {405})  # a POST-only view, fetched


def _only(role: str, ok: set[int], anonymous=frozenset({302})) -> dict[str, set[int]]:
    """One role may, the others get 403; anonymous goes to the login page."""
    return {r: set(ok) if r == role else ({*anonymous} if r == "anonymous" else {403})
            for r in ROLES}


API_VIEWERS = _roles({401}, {403}, {200}, {200}, {200})
API_NOT_ALLOWED = _roles({405}, {405}, {405}, {405}, {405})


def _api(role: str, ok: set[int]) -> dict[str, set[int]]:
    """One role may, the others get 403; anonymous 401."""
    return _only(role, ok, anonymous={401})


# URL name -> method -> role -> allowed statuses. POST rows are the mutating views.
# The pages change nothing: every write is an API endpoint's (401 for anonymous).
EXPECTED: dict[str, dict[str, dict[str, set[int]]]] = {
    "library": {"GET": VIEWERS},
    "dam:upload": {"GET": _only("editor", {200}), "POST": NOT_ALLOWED},
    "asset": {"GET": VIEWERS},
    "dam:original": {"GET": _only("editor", {200})},
    "deliver": {"GET": PUBLIC},
    "deliver-frame": {"GET": _roles({403}, {403}, {403}, {403}, {403})},  # unsigned: refused
    "deliver-print": {"GET": _roles({400}, {400}, {400}, {400}, {400})},  # no dpi (unsigned: 403)
    "rendition-file": {"GET": PUBLIC},
    # DELETE: the asset is in use (a usage is recorded), so 409 until forced.
    "asset-json": {"GET": PUBLIC, "PATCH": _api("editor", {200}), "DELETE": _api("editor", {409})},
    "asset-heatmap": {"GET": VIEWERS, "POST": NOT_ALLOWED},
    "asset-preview": {"GET": VIEWERS},
    "asset-element": {"GET": VIEWERS, "POST": NOT_ALLOWED},  # the <salient-img> demo
    "asset-rendition": {"GET": VIEWERS},  # the DAM's view of a rendition, withheld or not
    "review-queue": {"GET": VIEWERS},
    "trash": {"GET": _only("editor", {200})},
    "login": {"GET": PUBLIC, "POST": PUBLIC},  # an empty form: shown again with errors
    "healthz": {"GET": PUBLIC},  # says only whether the database answers
    # The API answers 401 (token auth first) to anonymous callers and 405 to a wrong method.
    "api-assets": {"GET": API_VIEWERS, "POST": _api("editor", {400})},  # an empty upload
    "api-asset-regenerate": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {202})},
    "api-asset-plans": {"GET": API_VIEWERS, "POST": API_NOT_ALLOWED},
    "api-asset-focal": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {200})},
    "api-asset-crop": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {200})},
    "api-asset-review": {"GET": API_NOT_ALLOWED, "POST": _api("reviewer", {200})},
    "api-asset-revert": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {200})},
    "api-assets-bulk": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {200})},
    "api-assets-download": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {200})},  # check
    "api-keywords": {"GET": API_VIEWERS, "POST": API_NOT_ALLOWED},
    "api-profiles": {"GET": API_VIEWERS, "POST": _api("nobody", set())},  # admins only
    "api-collections": {"GET": API_VIEWERS, "POST": _api("nobody", set())},  # admins only
    "api-licences": {"GET": API_VIEWERS, "POST": API_NOT_ALLOWED},
    "api-asset-frame-url": {"GET": _roles({401}, {403}, {400}, {400}, {400})},  # no size asked
    "api-asset-usages": {"GET": API_VIEWERS, "POST": _api("editor", {201, 200})},
    "api-asset-usage": {"GET": API_NOT_ALLOWED, "DELETE": _api("editor", {204})},
    "api-asset-restore": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {404})},  # not in it
    "api-trash": {"GET": _api("editor", {200}), "POST": API_NOT_ALLOWED},
    "api-trash-asset": {"GET": API_NOT_ALLOWED, "DELETE": _api("nobody", set())},  # admins
    "api-asset-file": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {400})},  # no file
    "api-asset-versions": {"GET": API_VIEWERS, "POST": API_NOT_ALLOWED},
    "api-asset-version-restore": {"GET": API_NOT_ALLOWED, "POST": _api("editor", {202})},
    "api-asset-version-file": {"GET": _api("editor", {200}), "POST": API_NOT_ALLOWED},
    "api-root": {"GET": PUBLIC},  # links only
    "api-schema": {"GET": PUBLIC},
    "api-docs": {"GET": PUBLIC},
    "api-not-found": {"GET": _roles({404}, {404}, {404}, {404}, {404})},
    "logout": {"GET": NOT_ALLOWED, "POST": _roles({302}, {302}, {302}, {302}, {302})},
}

# The JSON bodies; the other mutating views get an empty form post.
POST_BODIES = {
    "api-asset-focal": {"x": 0.4, "y": 0.6},
    "api-asset-crop": {"box": [0.1, 0.1, 0.9, 0.9]},
    "api-asset-review": {"review": "needs_work"},  # never "approved": that would lock the crop
    "api-asset-revert": {},
    "api-assets-bulk": {"query": {}, "set": {"city": "Oslo"}},
    "api-assets-download": {"query": {}, "check": True},
    "api-profiles": {"slug": "x", "name": "X", "aspect_width": 1, "aspect_height": 1},
    "api-collections": {"name": "Sport"},
    "api-asset-usages": {"url": "https://www.example.com/news/1", "site": "www.example.com"},
}


def url_patterns(patterns=None, prefix="", namespace="", kwargs=frozenset()):
    """(name or None, route, converter names) for every URL outside the admin."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        names = kwargs | set(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern), ns, names)
        else:
            yield (f"{namespace}{p.name}" if p.name else None), prefix + str(p.pattern), names


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Enqueueing does nothing: the pipeline runs synchronously where a test needs it."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: None)


UPLOAD = make_photo(1200, 800)


@pytest.fixture
def processed(editor, default_profiles):
    """A processed asset with one recorded edit (the worker path is covered elsewhere)."""
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("lighthouse.jpg", UPLOAD), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    editing.focal_set(asset=asset, point=(0.3, 0.3), user=editor)
    return asset


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _fillers(asset) -> dict:
    """Converter values, by (URL name, converter) first, then by converter alone. The
    asset's file is replaced first, so it has a version (1) to restore and download; the
    change reverted is the focal point's (reverting the replacement would restore 1)."""
    focal_event = EditEvent.objects.filter(asset=asset).latest("pk").pk
    replacing.asset_replace(asset=asset, user=None, file=SimpleUploadedFile(
        "second.jpg", make_photo(1200, 800, subject=(0.3, 0.6))))
    return {
        "uid": asset.uid,
        "profile": "hero",
        "width": 320, "height": 180,
        "event_id": focal_event,
        "number": 1,
        "usage_id": usages.usage_record(asset=asset, url="https://example.com/a",
                                        site="example.com")[0].pk,
        ("dam:original", "name"): asset.file.name,
        ("rendition-file", "name"): asset.renditions.get(profile__slug="hero").file.name,
    }


#: The PATCH rows' JSON bodies.
PATCH_BODIES = {"asset-json": {"credit": "Staff"}}


def _send(client, method, name, url, headers=None):
    if method == "GET":
        return client.get(url, headers=headers)
    if method == "DELETE":
        return client.delete(url, headers=headers)
    if method == "PATCH":
        return client.patch(url, json.dumps(PATCH_BODIES[name]),
                            content_type="application/json", headers=headers)
    if name in POST_BODIES:
        return client.post(url, json.dumps(POST_BODIES[name]), content_type="application/json",
                           headers=headers)
    return client.post(url, {}, headers=headers)


def _routes(fillers) -> tuple[dict[str, str], list[str]]:
    """A concrete URL per URL name, and every pattern the table or the fillers miss."""
    problems, routes, seen = [], {}, set()
    for name, route, converters in url_patterns():
        seen.add(name)
        missing = sorted(c for c in converters if (name, c) not in fillers and c not in fillers)
        if name not in EXPECTED:
            problems.append(f"{route!r} ({name or 'unnamed'}) has no row in EXPECTED")
        if missing:
            problems.append(f"{name} ({route!r}): no filler for {', '.join(missing)}")
        if name in EXPECTED and not missing:
            routes[name] = reverse(name, kwargs={
                c: fillers.get((name, c), fillers.get(c)) for c in converters})
    problems += [f"{name} is in EXPECTED but not in the URLconf"
                 for name in sorted(EXPECTED.keys() - seen)]
    return routes, problems


def test_a_new_url_fails_the_matrix_until_it_is_given_a_row(settings, monkeypatch):
    urlconf = types.ModuleType("security_test_urls")
    urlconf.urlpatterns = [*dam_urls.urlpatterns,
                           path("new/<int:thing>", dam_views.healthz, name="brand-new"),
                           path("unnamed/", dam_views.healthz)]
    monkeypatch.setitem(sys.modules, urlconf.__name__, urlconf)
    settings.ROOT_URLCONF = urlconf.__name__
    routes, problems = _routes({"uid": uuid.uuid4(), "profile": "hero", "event_id": 1,
                                "number": 1,
                                "usage_id": 1, "name": "x", "width": 1, "height": 1})
    assert problems == ["'new/<int:thing>' (brand-new) has no row in EXPECTED",
                        "brand-new ('new/<int:thing>'): no filler for thing",
                        "'unnamed/' (unnamed) has no row in EXPECTED"]
    assert routes.keys() == EXPECTED.keys()


def test_every_url_answers_each_role_as_the_table_says(processed, users):
    routes, problems = _routes(_fillers(processed))
    login = reverse("login")
    for name, url in routes.items():
        for method, allowed in EXPECTED[name].items():
            for role in ROLES:
                # A fresh login for each request: a logout must not end the others.
                response = _send(_client(users[role]), method, name, url)
                status = response.status_code
                if status not in allowed[role]:
                    problems.append(f"{method} {name} ({url}) as {role}: {status}, "
                                    f"expected {sorted(allowed[role])}")
                elif role == "anonymous" and status == 302 \
                        and not response["Location"].startswith(login):
                    problems.append(f"{method} {name} as anonymous redirects to "
                                    f"{response['Location']}, not to the login page")
    assert not problems, "\n".join(problems)


def test_the_admin_wants_staff(client, users):
    anonymous = client.get("/admin/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    for role in ("no_role", "viewer", "editor", "reviewer"):
        assert _client(users[role]).get("/admin/").status_code != 200, role


# --- CSRF -------------------------------------------------------------------

# Who posts to each mutating view in the CSRF test: a role the table lets through.
POSTER = {"api-asset-review": "reviewer", "login": "anonymous"}  # the others: "editor"


def test_every_mutating_view_wants_a_csrf_token(processed, users):
    routes, _ = _routes(_fillers(processed))
    problems = []
    mutating = ((n, m) for n, row in EXPECTED.items() for m in ("POST", "PATCH", "DELETE")
                if row.get(m) not in (None, NOT_ALLOWED, API_NOT_ALLOWED))
    for name, method in mutating:
        role = POSTER.get(name, "editor")
        client = _client(users[role], enforce_csrf_checks=True)
        without = _send(client, method, name, routes[name])
        if without.status_code != 403:
            problems.append(f"{method} {name} as {role} without a token: "
                            f"{without.status_code}")
        client.get(reverse("login"))  # the form sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        with_token = _send(client, method, name, routes[name], {"X-CSRFToken": token})
        if with_token.status_code not in EXPECTED[name][method][role]:
            problems.append(f"{method} {name} as {role} with a token: "
                            f"{with_token.status_code}")
    assert not problems, "\n".join(problems)


# --- Response headers ---------------------------------------------------------

def test_pages_json_and_files_carry_the_security_headers(client, processed, users):
    viewer = _client(users["viewer"])
    responses = {
        "login page": client.get(reverse("login")),
        "library page": viewer.get(reverse("library")),
        "asset JSON": client.get(reverse("asset-json", args=[processed.uid])),
        "delivery": client.get(reverse("deliver", args=[processed.uid, "hero"])),
        "original download": _client(users["editor"]).get(processed.file.url),
    }
    for what, response in responses.items():
        assert response.status_code == 200, what
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (what, csp)
        for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                          "object-src 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (what, directive, csp)
        assert response["X-Content-Type-Options"] == "nosniff", what
        assert response["X-Frame-Options"] == "DENY", what
        assert response["Referrer-Policy"] == "same-origin", what
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", what


def test_session_and_csrf_cookies_are_locked_down(client, users):
    form = client.get(reverse("login"))
    csrf = form.cookies["csrftoken"]
    # common.js reads the token from this cookie, so it cannot be HttpOnly; SameSite still holds.
    assert csrf["samesite"] == "Lax"
    logged_in = client.post(reverse("login"), {"username": "vi", "password": "pw-for-tests"})
    assert logged_in.status_code == 302
    session = logged_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True and session["samesite"] == "Lax"


def _settings_env(var_dir: Path, **extra) -> dict:
    """A production-like environment: dam.settings, no SALIENT_HTTPS, data under var_dir."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SALIENT_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="dam.settings", SALIENT_VAR_DIR=str(var_dir), **extra)
    return env


def _deploy_check(var_dir: Path, **extra) -> tuple[int, str]:
    env = _settings_env(var_dir, DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                        DJANGO_ALLOWED_HOSTS="dam.example.com", **extra)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


def test_the_defaults_pass_the_deploy_check(tmp_path):
    returncode, output = _deploy_check(tmp_path)
    assert returncode == 0, output
    assert "no issues" in output, output
    # The check does see weakened transport security (so passing above means something).
    returncode, output = _deploy_check(tmp_path, SALIENT_HTTPS="0")
    assert returncode != 0 and "security.W008" in output, output


READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_HTTPONLY")}))
"""


def _read_settings(env) -> dict:
    """The settings as ``manage.py`` (the entry point) gives them to a command."""
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", READ_SETTINGS],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # after the shell's own line


def test_importing_the_settings_writes_nothing_and_names_the_missing_key(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import dam.settings"], cwd=BASE_DIR,
                            env=_settings_env(tmp_path), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_https_is_on_debug_off_and_the_key_is_kept_by_default(tmp_path):
    first = _read_settings(_settings_env(tmp_path))
    key_file = tmp_path / "secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 50
    assert _read_settings(_settings_env(tmp_path))["SECRET_KEY"] == first["SECRET_KEY"]
    assert first["DEBUG"] is False
    assert first["SECURE_SSL_REDIRECT"] and first["SESSION_COOKIE_SECURE"]
    assert first["CSRF_COOKIE_SECURE"] and first["SESSION_COOKIE_HTTPONLY"]
    assert first["SECURE_HSTS_SECONDS"] >= 31_536_000


# --- Originals and analyses ---------------------------------------------------

def _private_urls(asset) -> dict[str, str]:
    original, sal_map = asset.file.name, asset.analysis.map_file.name
    return {
        "original's URL": asset.file.url,
        "map's URL": asset.analysis.map_file.url,
        "original under /media/": f"/media/{original}",
        "map under /media/": f"/media/{sal_map}",
        "map under /private/": f"/private/{sal_map}",  # the map's URL too, on local storage
    }


def test_originals_and_maps_reach_no_one_but_editors(processed, users):
    urls = _private_urls(processed)
    problems = []
    for role in ("anonymous", "no_role", "viewer", "reviewer", "editor"):
        client = _client(users[role])
        for what, url in urls.items():
            if role == "editor" and what == "original's URL":
                continue
            status = client.get(url).status_code
            if status == 200:
                problems.append(f"{role} got the {what} ({url})")
    assert not problems, "\n".join(problems)


def test_editors_download_the_original_as_a_private_attachment(processed, users):
    response = _client(users["editor"]).get(processed.file.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "lighthouse.jpg" in response["Content-Disposition"]
    # the asset's IPTC Image Regions in its XMP (test_regions), the rest as uploaded
    assert b"".join(response.streaming_content).endswith(UPLOAD[UPLOAD.index(b"\xff\xda"):])
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    stored = _client(users["editor"]).get(processed.file.url + "?as=stored")
    assert b"".join(stored.streaming_content) == UPLOAD


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_path_traversal_reaches_nothing(processed, users, settings, debug):
    settings.DEBUG = debug  # WhiteNoise looks files up afresh for each request with DEBUG on
    original, sal_map = processed.file.name, processed.analysis.map_file.name
    attempts = [
        f"/media/../private/{original}",
        f"/media/..%2Fprivate%2F{original}",
        f"/media/%2e%2e/private/{original}",
        f"/media/%2e%2e/%2e%2e/private/{sal_map}",
        "/private/..%2F..%2Fetc/passwd",
        "/private/../../etc/passwd",
        f"/private/x/../{original}",
        f"/private/./{original}",
        f"/private//{original}",
        f"/private/{original}%00",
        "/media/..%2F..%2F..%2Fdam/settings.py",
        f"/static/../private/{original}",
        "/static/..%2F..%2Fdam/settings.py",
        "/static/..%2Fsecret-key",
        "/static/../secret-key",
        f"/static/..%2Fprivate%2F{original}",
        f"/d/{processed.uid}/..%2F..%2Fprivate",
    ]
    # A NUL byte may raise in the database driver (PostgreSQL): a 500 is no leak.
    problems = [f"{role} got {url}" for role in ("anonymous", "editor") for url in attempts
                if _client(users[role], raise_request_exception=False).get(url).status_code
                == 200]
    assert not problems, "\n".join(problems)


def test_anonymous_asset_json_leaves_out_the_private_fields(client, processed, users):
    url = reverse("asset-json", args=[processed.uid])
    private = {"sha256", "filename", "format", "error", "saliency"}
    anonymous = client.get(url).json()
    assert not private & anonymous.keys()
    assert processed.sha256 not in json.dumps(anonymous)
    assert processed.file.name not in json.dumps(anonymous)
    viewer = _client(users["viewer"]).get(url).json()
    assert private <= viewer.keys()
    assert viewer["sha256"] == processed.sha256 and viewer["filename"] == "lighthouse.jpg"
