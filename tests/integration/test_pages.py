"""Library, asset page, delivery URL, JSON API and permissions."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset
from renditions import services
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def processed(editor, default_profiles, monkeypatch):
    """An asset processed synchronously (the worker path is covered elsewhere)."""
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("lighthouse.jpg", make_photo(1200, 800)), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    return asset


def test_anonymous_users_see_nothing(client):
    for name in ("dam:library", "dam:upload"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_user_without_editor_role_cannot_upload(client, django_user_model):
    user = django_user_model.objects.create_user("visitor", password="x")
    client.force_login(user)
    assert client.get(reverse("dam:upload")).status_code == 403


def test_library_pages_newest_first_and_searches(client, editor, settings, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    settings.DAM = {"PAGE_SIZE": 2}
    for i in range(5):
        dam_services.asset_create(file=SimpleUploadedFile(f"pier-{i}.jpg", make_photo(
            320, 240, subject=(0.2 + 0.1 * i, 0.5))), uploaded_by=editor)
    client.force_login(editor)
    first = client.get(reverse("dam:library")).content.decode()
    assert "pier-4" in first and "pier-3" in first and "pier-0" not in first
    assert "Page 1 of 3" in first
    last = client.get(reverse("dam:library"), {"page": 3}).content.decode()
    assert "pier-0" in last
    found = client.get(reverse("dam:library"), {"q": "pier-2"}).content.decode()
    assert "pier-2" in found and "pier-1" not in found


def test_asset_page_lists_every_rendition(client, editor, processed):
    client.force_login(editor)
    page = client.get(reverse("dam:asset", args=[processed.uid])).content.decode()
    for rendition in processed.renditions.all():
        assert reverse("deliver", args=[processed.uid, rendition.profile.slug]) in page
        assert f"{rendition.width}×{rendition.height}" in page


def test_stable_url_serves_the_current_file(client, processed):
    response = client.get(reverse("deliver", args=[processed.uid, "hero"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    body = b"".join(response.streaming_content)
    hero = processed.renditions.get(profile__slug="hero")
    assert body == hero.file.open("rb").read()
    assert client.get(reverse("deliver", args=[processed.uid, "nope"])).status_code == 404


def test_stable_url_answers_not_modified_to_a_known_etag(client, processed):
    url = reverse("deliver", args=[processed.uid, "hero"])
    etag = client.get(url)["ETag"]
    assert etag == f'"{processed.renditions.get(profile__slug="hero").key}"'
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_json_api_describes_renditions(client, processed):
    data = client.get(reverse("asset-json", args=[processed.uid])).json()
    assert data["status"] == "ready" and data["width"] == 1200
    assert data["renditions"]["square"]["width"] == 600
    assert data["renditions"]["square"]["url"].endswith(f"/d/{processed.uid}/square")


def test_error_pages_explain_themselves(client, settings, django_user_model):
    settings.DEBUG = False
    from dam.roles import ensure_roles

    user = django_user_model.objects.create_user("visitor2", password="x")
    user.groups.add(ensure_roles()["Viewers"])  # may read assets, may not upload
    client.force_login(user)
    missing = client.get("/assets/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and "Back to the library" in missing.content.decode()
    refused = client.get(reverse("dam:upload"))
    assert refused.status_code == 403 and "reviewers approve" in refused.content.decode()


def test_generate_renditions_command_fills_in_a_new_profile(processed, capsys):
    from django.core.management import call_command

    from renditions.models import RenditionProfile

    RenditionProfile.objects.create(slug="wide", name="Wide 21:9", aspect_width=21,
                                    aspect_height=9, max_width=1260)
    call_command("generate_renditions", profile="wide")
    wide = processed.renditions.get(profile__slug="wide")
    assert (wide.width, wide.height) == (1200, 514)
    assert "1 renditions made" in capsys.readouterr().out
    call_command("generate_renditions")
    assert "0 renditions made" in capsys.readouterr().out
