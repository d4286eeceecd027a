"""Library, asset page, delivery URL, JSON API and permissions."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset
from renditions import selectors
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_users_see_nothing(client):
    for name in ("library", "dam:upload"):
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
    first = client.get(reverse("library")).content.decode()
    assert "pier-4" in first and "pier-3" in first and "pier-0" not in first
    assert "Page 1 of 3" in first
    last = client.get(reverse("library"), {"page": 3}).content.decode()
    assert "pier-0" in last
    found = client.get(reverse("library"), {"q": "pier-2"}).content.decode()
    assert "pier-2" in found and "pier-1" not in found


def test_asset_page_lists_every_rendition(client, editor, processed):
    client.force_login(editor)
    page = client.get(reverse("asset", args=[processed.uid])).content.decode()
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


def test_delivery_answers_head_and_if_modified_since(client, processed):
    url = reverse("deliver", args=[processed.uid, "hero"])
    hero = processed.renditions.get(profile__slug="hero")
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) == hero.file.size and head["ETag"] == f'"{hero.key}"'
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=head["Last-Modified"]).status_code == 304
    assert head["Cache-Control"] == "public, max-age=60"


def test_rendition_files_are_immutable_and_nothing_else_is_served(client, processed):
    hero = processed.renditions.get(profile__slug="hero")
    data = client.get(processed.renditions.get(profile__slug="hero").file.url)
    assert data.status_code == 200 and data["Cache-Control"].endswith("immutable")
    assert b"".join(data.streaming_content) == hero.file.open("rb").read()
    for private in (processed.file.name, processed.analysis.map_file.name, "secret-key"):
        assert client.get(f"/media/{private}").status_code == 404
    data = client.get(reverse("asset-json", args=[processed.uid])).json()
    assert data["renditions"]["hero"]["file_url"].startswith("http://testserver/media/")


def test_the_same_file_twice_is_flagged_with_a_link(client, editor, processed):
    client.force_login(editor)
    same = SimpleUploadedFile("again.jpg", processed.file.open("rb").read(), "image/jpeg")
    refused = client.post(reverse("api-assets"), {"files": [same]})
    assert refused.status_code == 400
    assert "again.jpg: this file is already in the library" in refused.json()["error"]
    assert refused.json()["errors"][0]["existing"] == str(processed.uid)
    assert Asset.objects.count() == 1


def test_editors_download_the_original_and_others_do_not(client, editor, processed,
                                                         django_user_model):
    from dam.roles import ensure_roles

    url = processed.file.url
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    stored = processed.file.open("rb").read()  # with the IPTC Image Regions (test_regions)
    assert b"".join(response.streaming_content).endswith(stored[stored.index(b"\xff\xda"):])
    viewer = django_user_model.objects.create_user("viewer", password="x")
    viewer.groups.add(ensure_roles()["Viewers"])
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert client.get(reverse("asset", args=[processed.uid])).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_generate_renditions_runs_the_pipeline_and_resumes(processed, settings, capsys):
    import json

    from django.core.management import call_command

    from renditions.management.commands.generate_renditions import _Checkpoint
    from renditions.models import RenditionProfile

    RenditionProfile.objects.create(slug="wide", name="Wide 21:9", aspect_width=21,
                                    aspect_height=9, max_width=1260)
    checkpoints = lambda: sorted(settings.VAR_DIR.glob("generate-renditions-*.json"))  # noqa: E731
    for path in checkpoints():
        path.unlink()
    Asset.objects.filter(pk=processed.pk).update(status=Asset.Status.QUEUED, attempts=1)
    call_command("generate_renditions", profile="wide", chunk=1)
    assert not checkpoints()  # a finished run leaves no checkpoint
    # The pipeline's own status handling ran: queued -> ready, attempts reset.
    assert Asset.objects.filter(pk=processed.pk, status="ready", attempts=0).exists()
    assert "1 renditions made for 1 assets; 0 failed" in capsys.readouterr().out
    # An interrupted run left a checkpoint past this asset: the next run resumes after it.
    stale = _Checkpoint(None, False, False)
    stale.path.write_text(json.dumps({"last_pk": processed.pk, "done": 1, "made": 0,
                                      "failed": []}))
    call_command("generate_renditions")
    out = capsys.readouterr().out
    assert f"Resuming after asset {processed.pk}" in out and "0 renditions made" in out


def test_health_check_reports_the_database(client, monkeypatch):
    assert client.get(reverse("healthz")).json() == {"ok": True}
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def down(*args, **kwargs):
        raise OperationalError("connection refused")
    monkeypatch.setattr(CursorWrapper, "execute", down)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and "refused" in response.json()["database"]


def test_a_database_outage_in_a_view_is_a_503_that_says_try_again(client, editor, processed,
                                                                   monkeypatch):
    from django.db import OperationalError

    from renditions import editing

    def down(**kwargs):
        raise OperationalError("database is locked")
    monkeypatch.setattr(editing, "focal_set", down)
    client.force_login(editor)
    response = client.post(reverse("api-asset-focal", args=[processed.uid]), {"x": 0.5, "y": 0.5},
                           content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Try again" in response.json()["error"]
    monkeypatch.setattr(dam_services, "asset_enqueue", down)
    api = client.post(reverse("api-asset-regenerate", args=[processed.uid]))
    assert api.status_code == 503 and api.json() == {"error": api.json()["error"]}
    monkeypatch.setattr(selectors, "review_queue", lambda **kwargs: down())
    page = client.get(reverse("review-queue"))
    assert page.status_code == 503 and "Try again in a moment" in page.content.decode()


def test_a_nul_in_a_stored_name_is_a_404_not_a_database_error(client, editor, processed):
    client.force_login(editor)
    hero = processed.renditions.get(profile__slug="hero").file.name
    for url in (f"/media/{hero}%00", f"/private/{processed.file.name}%00.jpg"):
        assert client.get(url).status_code == 404, url


def test_a_crash_answers_the_api_in_its_error_shape_and_pages_with_a_page(editor, processed,
                                                                         monkeypatch):
    from django.test import Client

    def crash(**kwargs):
        raise RuntimeError("a bug")
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr(selectors, "plans_preview", crash)
    api = client.get(reverse("api-asset-plans", args=[processed.uid]))
    assert api.status_code == 500 and "logged" in api.json()["error"]
    monkeypatch.setattr(selectors, "review_queue", crash)
    page = client.get(reverse("review-queue"))
    assert page.status_code == 500 and "Something went wrong" in page.content.decode()
