"""The stable URL's warm hit made cheap without losing anything (issue 26, must-have 2):
the generation tokens kept per process while their files are unchanged, CSP built once,
the messages left as Django keeps them, the storage's URL skipped for local files."""
from __future__ import annotations

import pytest
from csp.constants import NONCE
from csp.utils import build_policy
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from dam.csp import CSPMiddleware
from renditions import origin, responses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def file_cache(settings, tmp_path):
    """The origin cache on files (the embedded default), whatever the run uses: the
    tokens' file stamps are what these tests are about (Redis reads them per hit)."""
    settings.CACHES = {**settings.CACHES, "origin": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "origin"), "OPTIONS": {"MAX_ENTRIES": 50000}}}
    yield caches["origin"]


def _key(asset):
    return origin.request_key(asset.uid, "hero", width="", fmt="", accepted="")


def _other_process():
    """The origin cache as another web process has it: its own instance, same files."""
    return caches.create_connection("origin")


# --- generation tokens --------------------------------------------------------------

def test_a_warm_hit_reads_no_token_while_no_process_wrote_one(file_cache, processed, client,
                                                               monkeypatch):
    monkeypatch.setattr(origin, "SETTLED", -60.0)  # the token files count as old already
    url = reverse("deliver", args=[processed.uid, "hero"])
    assert client.get(url).status_code == 200
    cache = caches["origin"]
    monkeypatch.setattr(cache, "get", lambda *a, **k: pytest.fail("token read"))
    monkeypatch.setattr(cache, "get_many", lambda *a, **k: pytest.fail("tokens read"))
    assert origin.entry_get(processed.uid, _key(processed)).entry is not None


@pytest.mark.parametrize("forget", ["asset", "everything"])
def test_another_process_renewing_a_token_is_a_miss_here_at_once(file_cache, processed, client,
                                                                 forget):
    url = reverse("deliver", args=[processed.uid, "hero"])
    client.get(url)
    assert origin.entry_get(processed.uid, _key(processed)).entry is not None
    name = origin._generation_key(processed.uid) if forget == "asset" else origin.EVERYTHING
    _other_process().set(name, "renewed-elsewhere", None)  # what asset_forget does there
    found = origin.entry_get(processed.uid, _key(processed))
    assert found.entry is None
    assert "renewed-elsewhere" in found.generation


def test_a_token_written_within_the_settling_second_is_read_every_time(file_cache, processed,
                                                                     client,
                                                                     monkeypatch):
    """Its stamp could be shared by the next file (coarse file times, inode reuse)."""
    client.get(reverse("deliver", args=[processed.uid, "hero"]))
    reads = []
    cache = caches["origin"]
    real = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    monkeypatch.setattr(origin, "SETTLED", 3600.0)  # every token file counts as new
    assert origin.entry_get(processed.uid, _key(processed)).entry is not None
    assert origin.EVERYTHING in reads and origin._generation_key(processed.uid) in reads


def test_a_token_file_gone_starts_a_new_generation(file_cache, processed, client):
    client.get(reverse("deliver", args=[processed.uid, "hero"]))
    _other_process().delete(origin._generation_key(processed.uid))  # culled, say
    found = origin.entry_get(processed.uid, _key(processed))
    assert found.entry is None and None not in found.generation


def test_a_trash_in_another_process_is_410_here_at_once(file_cache, processed, client):
    """Entries of the old generation are never served: the trashed asset's 410 comes
    from the database on the very next request of this process."""
    url = reverse("deliver", args=[processed.uid, "hero"])
    assert client.get(url).status_code == 200
    type(processed).objects.filter(pk=processed.pk).update(deleted_at=processed.created_at)
    assert client.get(url).status_code == 200  # nobody said so: the cached entry
    _other_process().set(origin._generation_key(processed.uid), "trashed-elsewhere", None)
    assert client.get(url).status_code == 410


# --- CSP built once -----------------------------------------------------------------

def test_every_answer_keeps_the_csp_pages_and_images(processed, client, editor):
    image = client.get(reverse("deliver", args=[processed.uid, "hero"]))
    assert image["Content-Security-Policy"] == build_policy()
    assert image["X-Content-Type-Options"] == "nosniff"
    client.force_login(editor)
    page = client.get(reverse("library"))
    assert page["Content-Type"].startswith("text/html")
    assert page["Content-Security-Policy"] == build_policy()


def test_a_changed_policy_is_sent_at_once(client, settings):
    client.get("/healthz")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    answer = client.get("/healthz")
    assert answer["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "img-src 'self'" in answer["Content-Security-Policy-Report-Only"]


def _through(response, request=None):
    request = request or RequestFactory().get("/somewhere")
    middleware = CSPMiddleware(lambda r: response)
    return middleware(request)


def test_a_view_of_its_own_policy_gets_it():
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://elsewhere.example"]}
    assert "https://elsewhere.example" in _through(response)["Content-Security-Policy"]
    assert "https://elsewhere.example" not in _through(HttpResponse())["Content-Security-Policy"]


def test_an_exempt_or_already_set_policy_is_left_alone():
    exempt = HttpResponse()
    exempt._csp_exempt = True
    assert "Content-Security-Policy" not in _through(exempt)
    own = HttpResponse()
    own["Content-Security-Policy"] = "default-src 'none'"
    assert _through(own)["Content-Security-Policy"] == "default-src 'none'"


def test_a_nonce_used_goes_into_the_policy(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    request = RequestFactory().get("/page")
    seen = {}

    def view(req):
        seen["nonce"] = str(req.csp_nonce)
        return HttpResponse()

    answer = CSPMiddleware(view)(request)
    assert f"'nonce-{seen['nonce']}'" in answer["Content-Security-Policy"]


# --- messages (Django's middleware; the lean path skips it) --------------------------------------------------

def _with_messages(view, cookie=None):
    request = RequestFactory().get("/page")
    request.session = {}  # what the cookie cannot hold would go there
    if cookie:
        request.COOKIES["messages"] = cookie
    return request, MessageMiddleware(view)(request)


def test_a_request_that_never_touches_messages_stores_nothing():
    request, response = _with_messages(lambda r: HttpResponse())
    assert "messages" not in response.cookies and not response.has_header("Vary")


def test_a_message_added_is_stored_and_shown_on_the_next_request():
    def add(request):
        messages.info(request, "Saved.")
        return HttpResponse()

    _, response = _with_messages(add)
    cookie = response.cookies["messages"].value
    shown = []

    def show(request):
        shown.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse()

    _, after = _with_messages(show, cookie)
    assert shown == ["Saved."]
    assert after.cookies["messages"].value == ""  # read: cleared
    _, untouched = _with_messages(lambda r: HttpResponse(), cookie)
    assert "messages" not in untouched.cookies  # unread: kept for the next page


# --- the storage's URL ---------------------------------------------------------------

def test_local_files_are_served_and_an_absolute_media_url_still_redirects(processed, client,
                                                                          monkeypatch):
    url = reverse("deliver", args=[processed.uid, "hero"])
    assert client.get(url).status_code == 200
    elsewhere = FileSystemStorage(location=responses._storage().location,
                                  base_url="https://files.example/media/")
    monkeypatch.setattr(responses, "_storage", lambda: elsewhere)
    answer = client.get(url)
    assert answer.status_code == 302
    assert answer["Location"].startswith("https://files.example/media/")
    assert answer["Surrogate-Key"].startswith(f"asset-{processed.uid}")
