"""Many originals in one ZIP (POST /api/assets/download): by ids or by a search, only
what the user may download, named by file name, refused whole when too large, a file
gone meanwhile named in MISSING.txt; by a form's POST too (the library's button)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from dam import services as dam_services
from dam.models import Asset, Collection, CollectionGrant
from tests.integration._api import _asset, _client, no_queue  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def three(editor, default_profiles):
    """Two "pier.jpg" (different photos) and a "dune.jpg"."""
    return [_asset(editor, name, subject=(0.2 + 0.3 * i, 0.5))
            for i, name in enumerate(("pier.jpg", "pier.jpg", "dune.jpg"))]


def _download(user, body, **kwargs):
    return _client(user).post(reverse("api-assets-download"), json.dumps(body),
                              content_type="application/json", **kwargs)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _stored(asset: Asset) -> bytes:
    with asset.file.open("rb") as fp:
        return fp.read()


def test_the_originals_of_the_ids_come_in_one_zip_each_by_its_name(users, three):
    response = _download(users["editor"], {"ids": [str(a.uid) for a in three]})
    assert 'attachment; filename="salient-originals-' in response["Content-Disposition"]
    archive = _zip(response)
    assert archive.testzip() is None
    assert archive.namelist() == ["pier.jpg", "pier (2).jpg", "dune.jpg"]
    for name, asset in zip(archive.namelist(), three):
        assert archive.read(name) == _stored(asset)  # no regions: byte for byte


def test_a_search_selects_as_the_list_does(users, three):
    Asset.objects.filter(pk=three[2].pk).update(caption="sand dune at dawn")
    archive = _zip(_download(users["editor"], {"query": {"q": "dune"}}))
    assert archive.namelist() == ["dune.jpg"]


def test_viewers_and_strangers_get_no_originals(users, three):
    body = {"ids": [str(three[0].uid)]}
    assert _download(users["viewer"], body).status_code == 403
    assert _download(users["no_role"], body).status_code == 403
    assert _download(users["anonymous"], body).status_code in (401, 403)


def test_only_the_collections_where_the_user_may_edit_count(users, three, django_user_model):
    sport = dam_services.collection_create(name="Sport", parent=Collection.root())
    Asset.objects.filter(pk=three[2].pk).update(collection=sport)
    group = Group.objects.create(name="sport desk")
    CollectionGrant.objects.create(group=group, collection=sport, level="edit")
    desk = django_user_model.objects.create_user("se", password="pw-for-tests")
    desk.groups.add(group)
    ids = {"ids": [str(a.uid) for a in three]}
    assert _zip(_download(desk, ids)).namelist() == ["dune.jpg"]
    viewer_there = django_user_model.objects.create_user("sv", password="pw-for-tests")
    viewers = Group.objects.create(name="sport readers")
    CollectionGrant.objects.create(group=viewers, collection=sport, level="view")
    viewer_there.groups.add(viewers)
    assert _download(viewer_there, ids).status_code == 403


def test_nothing_to_download_and_too_much_are_refused_before_a_byte(users, three):
    editor = users["editor"]
    nothing = _download(editor, {"ids": ["00000000-0000-0000-0000-000000000000"]})
    assert nothing.status_code == 400 and "None of these assets" in nothing.content.decode()
    assert _download(editor, {}).status_code == 400
    ids = {"ids": [str(a.uid) for a in three]}
    with override_settings(DAM={"DOWNLOAD_MAX": 2}):
        many = _download(editor, ids)
    assert many.status_code == 400 and "at most 2 originals" in many.content.decode()
    total = sum(a.size_bytes for a in three)
    with override_settings(DAM={"DOWNLOAD_MAX_BYTES": total - 1}):
        big = _download(editor, ids)
    assert big.status_code == 400 and "Select fewer" in big.content.decode()


def test_a_file_gone_meanwhile_is_named_in_missing_txt(users, three):
    three[1].file.storage.delete(three[1].file.name)
    archive = _zip(_download(users["editor"], {"ids": [str(a.uid) for a in three]}))
    assert archive.namelist() == ["pier.jpg", "dune.jpg", "MISSING.txt"]
    missing = archive.read("MISSING.txt").decode()
    assert "pier (2).jpg" in missing and str(three[1].uid) in missing


def test_a_forms_post_downloads_as_a_page_does(users, three):
    client = _client(users["editor"], enforce_csrf_checks=True)
    client.get(reverse("library"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    forged = client.post(reverse("api-assets-download"), {"ids": [str(three[0].uid)]})
    assert forged.status_code == 403  # another site's form: no CSRF token
    response = client.post(reverse("api-assets-download"),
                           {"ids": [str(three[0].uid), str(three[2].uid)],
                            "csrfmiddlewaretoken": token})
    assert _zip(response).namelist() == ["pier.jpg", "dune.jpg"]


def test_a_forms_post_may_carry_the_search_and_refuses_a_misspelt_field(users, three):
    Asset.objects.filter(pk=three[2].pk).update(caption="sand dune at dawn")
    client = _client(users["editor"])
    url = reverse("api-assets-download")
    assert _zip(client.post(url, {"query.q": "dune"})).namelist() == ["dune.jpg"]
    typo = client.post(url, {"query.qq": "dune"})
    assert typo.status_code == 400 and "query.qq" in typo.json()["fields"]


def test_each_original_is_the_file_the_asset_page_downloads(users, processed):
    editor = _client(users["editor"])
    page = editor.get(reverse("dam:original", args=[processed.file.name]))
    assert page.status_code == 200
    single = b"".join(page.streaming_content)
    assert single != _stored(processed)  # with the asset's regions in its XMP
    archive = _zip(_download(users["editor"], {"ids": [str(processed.uid)]}))
    assert archive.read("lighthouse.jpg") == single


def test_check_says_what_the_zip_would_hold_or_why_not(users, three):
    ids = {"ids": [str(a.uid) for a in three]}
    sized = _download(users["editor"], {**ids, "check": True})
    assert sized.status_code == 200 and sized["Content-Type"] == "application/json"
    assert sized.json() == {"assets": 3, "bytes": sum(a.size_bytes for a in three)}
    with override_settings(DAM={"DOWNLOAD_MAX": 2}):
        assert _download(users["editor"], {**ids, "check": True}).status_code == 400


def test_entry_names_stay_inside_the_zip_and_repeat_with_a_number():
    from renditions.api.downloads import entry_names

    class Named:
        def __init__(self, name):
            self.original_filename, self.uid = name, "0b7e"

    names = entry_names([Named(n) for n in ("../../etc/passwd", "C:\\photos\\Pier.JPG",
                                             "pier.jpg", "..", "README", "README")])
    assert names == ["passwd", "Pier.JPG", "pier (2).jpg", "0b7e", "README", "README (2)"]
