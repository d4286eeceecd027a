"""The sign-in policy as an attacker meets it: failed sign-ins lock out per account
and per address (django-axes) on the login page and the admin's, the lockout ends
after its cool-off, and sign-ins, failures, lockouts, API tokens and permission
refusals are in the audit log an administrator reads."""
from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F, Sum
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.models import AuditEvent
from access.services import audit_record

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = settings.AXES_FAILURE_LIMIT  # 5
COOLOFF = settings.AXES_COOLOFF_TIME  # 15 minutes
PASSWORD = "pw-for-tests"  # tests/integration/conftest.py's users
ATTACKER = "203.0.113.66"
Kind = AuditEvent.Kind


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    """A cache of this test's own: the audit log's folding starts afresh."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": request.node.nodeid}}


@pytest.fixture
def boss(transactional_db, django_user_model):
    return django_user_model.objects.create_superuser("boss", password=PASSWORD)


def sign_in(client: Client, username: str, password: str, *, path: str = "/login/",
            address: str = ATTACKER):
    return client.post(path, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked(response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(int(COOLOFF.total_seconds()))
    assert "too many failed sign-ins for this account or from this address" in \
        response.content.decode()
    assert "paused for 15 minutes" in response.content.decode()


def test_the_right_password_before_the_limit_signs_in(editor):
    client = Client()
    for _ in range(LIMIT - 1):
        assert sign_in(client, "ed", "guess").status_code == 200  # the form, with its error
    assert sign_in(client, "ed", PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("path, who", [("/login/", "editor"), ("/admin/login/", "boss")])
def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(path, who, request):
    user = request.getfixturevalue(who)
    client = Client()
    wrong = [sign_in(client, user.username, f"guess-{i}", path=path) for i in range(30)]
    assert [r.status_code for r in wrong] == [200] * (LIMIT - 1) + [429] * (31 - LIMIT)
    for response in wrong[LIMIT - 1:]:
        assert_locked(response)
    right = sign_in(client, user.username, PASSWORD, path=path)
    assert_locked(right)
    assert not signed_in(client)
    # Tries during the lockout were refused unchecked and do not extend it.
    assert AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] == LIMIT


def test_an_account_locks_whatever_address_the_guesses_come_from(editor):
    client = Client()
    for i in range(30):
        sign_in(client, "ed", f"guess-{i}", address=f"198.51.100.{i + 1}")
    assert_locked(sign_in(client, "ed", PASSWORD, address="192.0.2.200"))
    assert not signed_in(client)


def test_an_address_locks_whatever_accounts_it_guesses(users):
    client = Client()
    for i in range(30):
        sign_in(client, f"user-{i}", "guess")
    assert_locked(sign_in(client, "ed", PASSWORD))
    assert not signed_in(client)
    elsewhere = Client()  # the account itself is not locked: only that address is
    assert sign_in(elsewhere, "ed", PASSWORD, address="192.0.2.9").status_code == 302


def test_forwarded_for_headers_do_not_change_the_address(editor):
    client = Client()
    for i in range(LIMIT):
        client.post("/login/", {"username": f"user-{i}", "password": "guess"},
                    REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert_locked(sign_in(client, "ed", PASSWORD))


def test_a_trusted_proxy_passes_on_the_address_it_saw(editor, settings):
    settings.ACCESS = {"PROXY_COUNT": 1}
    client = Client()
    for i in range(LIMIT):  # one attacker behind the proxy, guessing several names
        client.post("/login/", {"username": f"user-{i}", "password": "guess"},
                    REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, {ATTACKER}")
    other = Client()  # someone else behind the same proxy
    response = other.post("/login/", {"username": "ed", "password": PASSWORD},
                          REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 302


def test_the_lockout_ends_after_its_cool_off(editor):
    client = Client()
    for i in range(LIMIT + 3):
        sign_in(client, "ed", f"guess-{i}")
    assert_locked(sign_in(client, "ed", PASSWORD))
    almost = COOLOFF - timedelta(seconds=5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - almost)
    assert_locked(sign_in(client, "ed", PASSWORD))  # 5 s to go
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=6))
    assert sign_in(client, "ed", PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_script_gets_the_lockout_as_json(editor):
    client = Client()
    for i in range(LIMIT):
        sign_in(client, "ed", f"guess-{i}")
    response = client.post("/login/", {"username": "ed", "password": PASSWORD},
                           REMOTE_ADDR=ATTACKER, HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response.json() == {"error": (
        "There were too many failed sign-ins for this account or from this address, so "
        "sign-in is paused for 15 minutes. Try again after that, or ask an administrator "
        "to unlock it sooner.")}


def events() -> list[tuple]:
    return list(AuditEvent.objects.order_by("id").values_list(
        "kind", "username", "ip_address", "path", "count", "detail"))


def test_the_audit_log_records_sign_ins_failures_and_lockouts(editor):
    client = Client()
    assert sign_in(client, "ed", PASSWORD, address="192.0.2.1").status_code == 302
    attacker = Client()
    for i in range(30):
        sign_in(attacker, "ed", f"guess-{i}")
    sign_in(attacker, "ed", PASSWORD)
    assert events() == [
        (Kind.SIGNED_IN, "ed", "192.0.2.1", "/login/", 1, ""),
        (Kind.SIGNIN_FAILED, "ed", ATTACKER, "/login/", LIMIT, "Wrong name or password."),
        (Kind.LOCKED_OUT, "ed", ATTACKER, "/login/", 1,
         "Lockout began: too many failed sign-ins for this name or from this address."),
        (Kind.LOCKED_OUT, "ed", ATTACKER, "/login/", 31 - LIMIT,
         "Refused unchecked: this name or address is locked out."),
    ]
    assert AuditEvent.objects.get(kind=Kind.SIGNED_IN).user == editor
    assert AuditEvent.objects.filter(kind=Kind.SIGNIN_FAILED).get().user is None


def test_repeats_fold_into_one_row_only_for_a_while():
    for _ in range(3):
        audit_record(kind=Kind.SIGNIN_FAILED, username="ed", detail="Wrong name or password.")
    assert AuditEvent.objects.get().count == 3
    AuditEvent.objects.update(at=F("at") - timedelta(seconds=61))
    audit_record(kind=Kind.SIGNIN_FAILED, username="ed", detail="Wrong name or password.")
    assert sorted(AuditEvent.objects.values_list("count", flat=True)) == [1, 3]


def test_the_audit_log_records_tokens_and_refusals(users):
    token = Token.objects.create(user=users["editor"])
    APIClient().get(reverse("api-assets"), REMOTE_ADDR=ATTACKER)  # 401: no token
    APIClient(HTTP_AUTHORIZATION="Token nope").get(reverse("api-assets"))  # 401: a bad one
    viewer = APIClient()
    viewer.force_login(users["viewer"])
    viewer.post(reverse("api-asset-focal", args=["00000000-0000-0000-0000-000000000000"]),
                {"x": 0.5, "y": 0.5}, format="json")  # 403: viewers do not edit
    page = Client()
    page.force_login(users["no_role"])
    assert page.get("/").status_code == 403  # a page's refusal: the library
    rows = {kind: list(AuditEvent.objects.filter(kind=kind).order_by("id"))
            for kind in (Kind.TOKEN_CREATED, Kind.REFUSED)}
    [created] = rows[Kind.TOKEN_CREATED]
    assert created.user == users["editor"] and token.key not in created.detail
    anonymous, bad_token, api_403, page_403 = rows[Kind.REFUSED]
    assert (anonymous.user, anonymous.ip_address, anonymous.path) == (
        None, ATTACKER, "/api/assets/")
    assert anonymous.detail == "401 GET: Authentication credentials were not provided."
    assert bad_token.detail == "401 GET: Invalid token."
    assert api_403.user == users["viewer"] and api_403.detail.startswith("403 POST: ")
    assert page_403.user == users["no_role"] and page_403.path == "/"
    assert page_403.detail.startswith("403 GET: ")


def test_administrators_read_the_audit_log_and_nobody_edits_it(boss, editor):
    sign_in(Client(), "ed", "guess")
    admin = Client()
    admin.force_login(boss)
    listing = admin.get(reverse("admin:access_auditevent_changelist"))
    assert listing.status_code == 200 and "Wrong name or password." in listing.content.decode()
    event = AuditEvent.objects.get(kind=Kind.SIGNIN_FAILED)
    assert admin.get(reverse("admin:access_auditevent_add")).status_code == 403
    assert admin.post(reverse("admin:access_auditevent_delete", args=[event.pk]),
                      {"post": "yes"}).status_code == 403
    admin.post(reverse("admin:access_auditevent_change", args=[event.pk]), {"username": "x"})
    event.refresh_from_db()
    assert event.username == "ed"
