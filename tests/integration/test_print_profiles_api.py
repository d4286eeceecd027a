"""Print profiles through the API: GET /api/profiles/ shows width_mm, height_mm, dpi and
icc_profile (a slug); POST takes them, checked by the model's own clean() as the admin
is (one rule), which sets the pixel size from the mm and the dpi."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.checks import run_checks
from django.urls import reverse

from renditions.models import RenditionProfile
from tests.integration._api import _client, _error
from tests.integration.test_print import BAD_PRINT_PROFILES, press  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
CARD = {"slug": "print-card", "name": "Print card", "width_mm": "90.5", "height_mm": "60",
        "dpi": 300, "format": "tiff"}


@pytest.fixture
def profile_admin(users):
    admin = users["editor"]
    admin.user_permissions.add(Permission.objects.get(codename="add_renditionprofile"))
    return admin


def _post(user, body):
    return _client(user).post(reverse("api-profiles"), body, format="json")


def test_a_print_profile_is_created_sized_from_its_mm_and_listed(profile_admin, users, press):
    response = _post(profile_admin, {**CARD, "icc_profile": "test-press",
                                     "aspect_width": 16, "aspect_height": 9})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (1069, 709)  # 90.5 x 60 mm at 300 dpi
    assert (body["width_mm"], body["height_mm"], body["dpi"]) == ("90.50", "60.00", 300)
    assert body["icc_profile"] == "test-press" and body["aspect_width"] is None
    stored = RenditionProfile.objects.get(slug="print-card")
    assert (stored.width, stored.height, stored.icc_profile) == (1069, 709, press)
    assert not [m for m in run_checks(databases=["default"]) if m.id == "renditions.E022"]
    listed = {p["slug"]: p for p in
              _client(users["viewer"]).get(reverse("api-profiles")).json()}
    assert listed["print-card"]["icc_profile"] == "test-press"
    assert listed["print-card"]["dpi"] == 300


def test_a_screen_profile_answers_no_print_fields(profile_admin):
    body = _post(profile_admin, {"slug": "wide", "name": "Wide", "aspect_width": 16,
                                 "aspect_height": 9, "max_width": 1600}).json()
    assert (body["width_mm"], body["height_mm"], body["dpi"], body["icc_profile"]) == (
        None, None, None, None)
    assert (body["aspect_width"], body["max_width"], body["width"]) == (16, 1600, None)


@pytest.mark.parametrize("fields, reason", [
    *BAD_PRINT_PROFILES,
    ({"icc_profile": "test-press", "dpi": None}, "gives its width and height in mm"),
])
def test_bad_print_values_are_refused_as_the_admin_refuses_them(profile_admin, press, fields,
                                                                reason):
    body = _error(_post(profile_admin, {**CARD, **fields}), 400)
    assert reason in str(body), body
    assert not RenditionProfile.objects.filter(slug=CARD["slug"]).exists()


def test_the_icc_profile_is_a_known_slug_and_the_mm_have_two_decimals(profile_admin, press):
    unknown = _error(_post(profile_admin, {**CARD, "icc_profile": "nope"}), 400)
    assert "icc_profile" in unknown["fields"]
    fine = _error(_post(profile_admin, {**CARD, "width_mm": "90.555"}), 400)
    assert "width_mm" in fine["fields"]
    assert not RenditionProfile.objects.filter(slug=CARD["slug"]).exists()


def test_only_profile_admins_may_create_a_print_profile(users, press):
    _error(_post(users["editor"], CARD), 403)
    _error(_post(None, CARD), 401)
    assert not RenditionProfile.objects.filter(slug=CARD["slug"]).exists()


def test_the_admins_form_refuses_a_negative_length_too(admin_client):
    response = admin_client.post(reverse("admin:renditions_renditionprofile_add"), {
        **CARD, "width_mm": "-90", "quality": 82, "zoom": 0, "align": "auto", "pad": "",
        "srcset_widths": "", "negotiate": "on", "is_active": "on"})
    assert response.status_code == 200  # the form again, with the error
    assert b"more than 0 and at most 10000 mm" in response.content
