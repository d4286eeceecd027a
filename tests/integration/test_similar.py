"""Near-duplicates on upload: a resized, recompressed or colour-adjusted copy of a
stored photo is kept but flagged "looks like" it, in the upload's answer, the API
and the asset page; exact copies are still refused; only visible assets are named."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageEnhance, ImageOps

from dam import hamming
from dam import services as dam_services
from dam.models import Asset, Collection, CollectionGrant, Resemblance
from tests.conftest import make_photo

from ._api import _client, _upload, no_queue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

ORIGINAL = make_photo(1200, 800)


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _copy(transform, quality: int = 90) -> bytes:
    return _jpeg(transform(Image.open(io.BytesIO(ORIGINAL)).convert("RGB")), quality)


COPIES = {
    "resized-recompressed": lambda im: im.resize((600, 400), Image.LANCZOS),  # and q=40
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    "grey": lambda im: ImageOps.grayscale(im).convert("RGB"),
}


def _post(user, *files):
    response = _client(user).post(reverse("api-assets"), {"files": list(files)})
    assert response.status_code in (201, 400), response.content
    return response.json()


@pytest.fixture
def original(editor, default_profiles):
    return dam_services.asset_create(file=_upload("lighthouse.jpg", ORIGINAL), uploaded_by=editor)


@pytest.mark.parametrize("kind", COPIES)
def test_a_transformed_copy_is_kept_and_flagged_in_the_upload_answer(kind, original, users):
    data = _copy(COPIES[kind], quality=40 if kind == "resized-recompressed" else 90)
    body = _post(users["editor"], _upload(f"{kind}.jpg", data))
    assert body["errors"] == [] and len(body["created"]) == 1
    similar = body["created"][0]["similar"]
    assert [s["id"] for s in similar] == [str(original.uid)]
    assert similar[0]["title"] == "lighthouse"
    assert 0 <= similar[0]["distance"] <= 10
    assert Asset.objects.count() == 2


def test_the_flag_holds_both_ways_and_in_the_api_and_the_page(original, users):
    copy = dam_services.asset_create(
        file=_upload("small.jpg", _copy(COPIES["resized-recompressed"], 40)),
        uploaded_by=users["editor"])
    viewer = _client(users["viewer"])
    for asset, other in ((copy, original), (original, copy)):
        detail = viewer.get(reverse("asset-json", args=[asset.uid])).json()
        assert [s["id"] for s in detail["similar"]] == [str(other.uid)]
        page = viewer.get(reverse("asset", args=[asset.uid])).content.decode()
        assert "Looks like" in page and reverse("asset", args=[other.uid]) in page
    listed = viewer.get(reverse("api-assets")).json()["results"]
    assert {a["id"]: len(a["similar"]) for a in listed} == {str(copy.uid): 1,
                                                            str(original.uid): 1}


def test_a_different_photo_and_a_mirrored_copy_are_not_flagged(original, users):
    other = _upload("other.jpg", make_photo(1200, 800, subject=(0.2, 0.7)))
    mirrored = _upload("mirrored.jpg", _copy(ImageOps.mirror))
    body = _post(users["editor"], other, mirrored)
    assert [a["similar"] for a in body["created"]] == [[], []]
    assert not Resemblance.objects.exists()
    page = _client(users["viewer"]).get(reverse("asset", args=[original.uid]))
    assert "Looks like" not in page.content.decode()


def test_the_same_bytes_are_still_refused_with_the_existing_asset(original, users):
    body = _post(users["editor"], _upload("again.jpg", ORIGINAL))
    assert body["created"] == [] and body["errors"][0]["existing"] == str(original.uid)
    assert Asset.objects.count() == 1


def test_similar_names_only_assets_the_user_may_view(original, editor, django_user_model):
    sport = dam_services.collection_create(name="Sport", parent=Collection.root())
    copy = dam_services.asset_create(
        file=_upload("copy.jpg", _copy(COPIES["brighter"])), uploaded_by=editor,
        collection=sport)
    group = Group.objects.create(name="Sport desk")
    CollectionGrant.objects.create(group=group, collection=sport, level="view")
    desk = django_user_model.objects.create_user("sd", password="pw-for-tests")
    desk.groups.add(group)
    client = _client(desk)
    assert client.get(reverse("asset-json", args=[copy.uid])).json()["similar"] == []
    assert "Looks like" not in client.get(reverse("asset", args=[copy.uid])).content.decode()
    anonymous = _client().get(reverse("asset-json", args=[copy.uid])).json()
    assert "similar" not in anonymous


def test_the_backfill_hashes_old_assets_and_links_them(original, editor):
    copy = dam_services.asset_create(file=_upload("grey.jpg", _copy(COPIES["grey"])),
                                     uploaded_by=editor)
    Resemblance.objects.all().delete()
    Asset.objects.update(image_hash=None, hash_band0=None, hash_band1=None, hash_band2=None,
                         hash_band3=None)
    out = io.StringIO()
    call_command("similar_backfill", stdout=out)
    assert "2 hashed" in out.getvalue() and "2 look like another" in out.getvalue()
    assert set(Resemblance.objects.values_list("asset", "other")) == {
        (copy.pk, original.pk), (original.pk, copy.pk)}
    stored = Asset.objects.get(pk=original.pk)
    assert hamming.bands(hamming.to_unsigned(stored.image_hash)) == (
        stored.hash_band0, stored.hash_band1, stored.hash_band2, stored.hash_band3)


def test_a_distance_of_zero_turns_the_search_off(original, users, settings):
    settings.DAM = {**getattr(settings, "DAM", {}), "SIMILAR_DISTANCE": 0}
    body = _post(users["editor"], _upload("grey.jpg", _copy(COPIES["grey"])))
    assert body["created"][0]["similar"] == [] and not Resemblance.objects.exists()
