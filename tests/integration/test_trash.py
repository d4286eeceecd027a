"""Delete cleanly (issue 24, must-have 5): deleting an asset from the API, the page's
endpoint or the admin moves it to the trash, where nothing of it is delivered or
listed; restoring brings everything back; after DAM["TRASH_DAYS"] the purge removes
every row and file it owned in both storages (checked by walking them), and survives
a crash; files_orphaned lists and removes what no row names."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from PIL import Image
from django.contrib.auth.models import Permission
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from taggit.models import TaggedItem

from dam import services as dam_services
from dam import usages
from dam.models import Asset, AssetVersion, Resemblance, Usage
from dam.storage import private_storage
from renditions import editing, orphans, purge
from renditions import rights as rights_service
from renditions.models import Analysis, CropDecision, EditEvent, Frame, Rendition
from renditions.services import asset_process as assets_process
from tests.conftest import make_photo
from tests.integration._api import _client, _error, _upload, asset, no_queue  # noqa: F401
from tests.integration.test_collections import desk, tree  # noqa: F401 (fixtures)
from tests.integration.test_rights import T0, _public_urls, clock  # noqa: F401 (fixture)
from tests.integration.test_s3_storage import s3_endpoint  # noqa: F401 (fixture)
from tests.integration.test_webhooks import sent  # noqa: F401 (fixture)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)
PAGES = ["https://www.example.com/news/harbour", "https://blog.example.org/p/7"]
DAY = timedelta(days=1)


def _delete(user, uid, force=False):
    url = reverse("asset-json", args=[uid]) + ("?force=true" if force else "")
    return _client(user).delete(url)


def _restore(user, uid):
    return _client(user).post(reverse("api-asset-restore", args=[uid]))


def _files(storage) -> set[str]:
    return set(orphans.walk(storage, "", set()))


def _listed(user, **query) -> list[str]:
    return [a["id"] for a in _client(user).get(reverse("api-assets"), query).json()["results"]]


def _answers(urls) -> dict[str, int]:
    client = _client(None)
    return {kind: client.get(url).status_code for kind, url in urls.items()}


# --- To the trash and back ---------------------------------------------------------

def test_nothing_of_a_trashed_asset_is_delivered_or_listed_and_restore_brings_it_back(
        users, processed, sent):
    Endpoint.objects.create(url="https://hooks.example.com/in")
    processed.tags.add("harbour")
    uid, editor = str(processed.uid), users["editor"]
    urls = {**_public_urls(processed), "json": reverse("asset-json", args=[uid])}
    public = {f.name for f in rights_service.public_files(asset_id=processed.pk)}
    assert public and public <= _files(default_storage)

    deleted = _delete(editor, uid)
    assert deleted.status_code == 200, deleted.content
    assert deleted.json()["id"] == uid and deleted.json()["deleted_by"] == "ed"
    client = _client(None)
    for kind, url in urls.items():
        answer = client.get(url)
        if kind == "json":
            assert answer.status_code == 404
            continue
        assert (answer.status_code, answer.content) == (410, b"This image was deleted.\n"), kind
        assert answer["Cache-Control"] == "no-store"
    # Its public files left the public storage (an S3 object's own URL fails too).
    assert not public & _files(default_storage)
    assert {rights_service.withheld_name(n) for n in public} <= _files(private_storage)
    # Gone from every list, search, facet, count and page.
    assert uid not in _listed(editor) and uid not in _listed(editor, q="lighthouse")
    facets = _client(editor).get(reverse("api-assets"), {"facets": "true"}).json()["facets"]
    assert facets["keyword"] == [] and facets["status"] == []
    assert _client(editor).get(reverse("api-keywords")).json()["results"] == []
    assert _client(editor).get(reverse("asset", args=[uid])).status_code == 404
    assert uid.encode() not in _client(editor).get(reverse("library")).content
    assert uid.encode() not in _client(editor).get(reverse("review-queue"), {"review": ""}).content
    assert _client(editor).get(reverse("api-asset-usages", args=[uid])).status_code == 404
    bulk = _client(editor).post(reverse("api-assets-bulk"), {"ids": [uid], "set": {"title": "x"}},
                                format="json")
    assert bulk.status_code == 200 and bulk.json()["matched"] == 0, bulk.content
    assert Asset.objects.get(pk=processed.pk).title != "x"
    # ...and in the trash.
    trash = _client(editor).get(reverse("api-trash")).json()["results"]
    assert [a["id"] for a in trash] == [uid]
    assert uid.encode() in _client(editor).get(reverse("trash")).content

    restored = _restore(editor, uid)
    assert restored.status_code == 200 and restored.json()["id"] == uid
    assert set(_answers(urls).values()) == {200}, _answers(urls)
    assert public <= _files(default_storage)
    assert uid in _listed(editor, q="lighthouse")
    assert _client(editor).get(reverse("api-trash")).json()["results"] == []
    history = EditEvent.objects.filter(asset=processed, kind="trash").order_by("id")
    assert [(e.before, e.after, e.user) for e in history] == [(False, True, editor),
                                                              (True, False, editor)]
    assert b"in the trash" in _client(editor).get(reverse("asset", args=[uid])).content
    events = list(Delivery.objects.filter(event__startswith="asset.").values_list(
        "event", flat=True).order_by("created_at"))
    assert events == ["asset.deleted", "asset.restored"]


def test_deleting_an_asset_in_use_names_the_pages_until_confirmed(users, asset, sent):
    for page in PAGES:
        usages.usage_record(asset=asset, url=page, rendition="hero")
    refused = _delete(users["editor"], asset.uid)
    body = _error(refused, 409)
    assert body["pages"] == list(reversed(PAGES)) and PAGES[0] in body["error"]
    assert Asset.objects.get(pk=asset.pk).deleted_at is None
    assert _delete(users["editor"], asset.uid, force=True).status_code == 200
    assert Asset.objects.get(pk=asset.pk).deleted_at is not None
    again = _delete(users["editor"], asset.uid, force=True)  # in the trash: not visible
    assert again.status_code == 404


def test_who_may_delete_restore_and_purge(users, asset, django_user_model, sent):
    _error(_delete(None, asset.uid), 401)
    _error(_delete(users["viewer"], asset.uid), 403)
    _error(_delete(users["reviewer"], asset.uid), 403)
    assert Asset.objects.get(pk=asset.pk).deleted_at is None
    assert _delete(users["editor"], asset.uid).status_code == 200
    _error(_restore(users["viewer"], asset.uid), 403)
    _error(_restore(None, asset.uid), 401)
    _error(_client(users["viewer"]).get(reverse("api-trash")), 403)
    assert _client(users["viewer"]).get(reverse("trash")).status_code == 403
    purge_url = reverse("api-trash-asset", args=[asset.uid])
    _error(_client(users["editor"]).delete(purge_url), 403)
    assert Asset.objects.filter(pk=asset.pk).exists()
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests")
    assert _client(admin).delete(purge_url).status_code == 204
    assert not Asset.objects.filter(pk=asset.pk).exists()
    _error(_client(admin).delete(purge_url), 404)


def test_collection_grants_hold_for_the_trash(tree, desk, sent):
    _, assets = tree
    news, sport = assets["news"], assets["sport"]
    _error(_delete(desk["sport_editor"], news.uid), 404)  # not theirs to know
    _error(_delete(desk["news_viewer"], news.uid), 403)
    assert _delete(desk["sport_editor"], sport.uid).status_code == 200  # an edit grant
    assert _delete(desk["editor"], news.uid).status_code == 200
    seen = _client(desk["sport_editor"]).get(reverse("api-trash")).json()["results"]
    assert [a["id"] for a in seen] == [str(sport.uid)]
    _error(_restore(desk["sport_editor"], news.uid), 404)


def test_the_admin_deletes_to_the_trash(asset, django_user_model, sent):
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests")
    client = _client(admin)
    confirm = client.get(reverse("admin:dam_asset_delete", args=[asset.pk]))
    assert b"to the trash: restorable for 30 days" in confirm.content
    page = client.post(reverse("admin:dam_asset_delete", args=[asset.pk]), {"post": "yes"})
    assert page.status_code == 302
    asset.refresh_from_db()
    assert asset.deleted_at is not None and asset.deleted_by == admin
    changelist = client.get(reverse("admin:dam_asset_changelist"))
    assert b"delete_selected" not in changelist.content and b'value="trash"' in changelist.content
    client.post(reverse("admin:dam_asset_changelist"),
                {"action": "restore", "_selected_action": [asset.pk]})
    asset.refresh_from_db()
    assert asset.deleted_at is None
    for action in ("trash", "purge_now"):  # a superuser may delete for good, from the trash
        client.post(reverse("admin:dam_asset_changelist"),
                    {"action": action, "_selected_action": [asset.pk]})
    assert not Asset.objects.filter(pk=asset.pk).exists()
    assert not private_storage.exists(asset.file.name)


# --- Purge -------------------------------------------------------------------------

def _everything(asset, editor):
    """Give ``asset`` one of every row and file it can own: an earlier version of its
    file, frames and variants, a focal point and crop, a usage, keywords, a look-alike."""
    first = asset.file.name
    replaced = _client(editor).post(
        reverse("api-asset-file", args=[asset.uid]), format="multipart",
        data={"file": SimpleUploadedFile("newer.jpg", _recompressed(make_photo(1200, 800)),
                                         content_type="image/jpeg")})
    assert replaced.status_code == 202, replaced.content
    asset.refresh_from_db()
    assert asset.versions.get().file.name.startswith("versions/") and asset.file.name != first
    assets_process(asset_id=asset.pk)  # the renditions of the new file
    _public_urls(asset)  # a srcset width, a WebP variant, a signed frame
    asset.refresh_from_db()
    editing.focal_set(asset=asset, point=(0.3, 0.4), user=editor)
    editing.crop_set(asset=asset, profile=asset.renditions.first().profile,
                     box=[0.1, 0.1, 0.9, 0.9], user=editor)
    usages.usage_record(asset=asset, url=PAGES[0])
    asset.tags.add("harbour", "storm")


def _recompressed(data: bytes) -> bytes:
    """The same photo saved again at another quality: other bytes, same look."""
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "JPEG", quality=70)
    return out.getvalue()


def _rows(pk) -> dict[str, int]:
    return {model.__name__: model.objects.filter(**{lookup: pk}).count() for model, lookup in (
        (Asset, "pk"), (AssetVersion, "asset_id"), (Analysis, "asset_id"), (Rendition, "asset_id"), (Frame, "asset_id"),
        (Usage, "asset_id"), (EditEvent, "asset_id"), (CropDecision, "asset_id"),
        (Resemblance, "asset_id"), (Resemblance, "other_id"), (TaggedItem, "object_id"))}


def test_the_purge_removes_every_row_and_file_after_the_trash_days(
        users, processed, clock, settings, sent):
    editor = users["editor"]
    Endpoint.objects.create(url="https://hooks.example.com/in")
    twin = dam_services.asset_create(file=_twin(processed), uploaded_by=editor)
    assert twin.file.name == processed.file.name  # the same bytes: one stored original
    assert Resemblance.objects.filter(asset=twin, other=processed).exists()
    _everything(processed, editor)
    owned = purge.asset_files(asset_id=processed.pk)
    assert {n for s, n in owned if s is default_storage} and len(owned) >= 10
    kept_before = {(id(s), n) for s, n in purge.asset_files(asset_id=twin.pk)}
    settings.DAM = {**getattr(settings, "DAM", {}), "TRASH_DAYS": 30}
    twin_json = reverse("asset-json", args=[twin.uid])
    assert [s["id"] for s in _client(editor).get(twin_json).json()["similar"]] == [
        str(processed.uid)]
    assert _delete(editor, processed.uid, force=True).status_code == 200
    assert _client(editor).get(twin_json).json()["similar"] == []  # not a trashed look-alike
    assert b"Looks like" not in _client(editor).get(reverse("asset", args=[twin.uid])).content
    clock.at(T0 + 30 * DAY - timedelta(seconds=1))
    assert purge.trash_purge_due() == []  # a second early: still restorable
    clock.at(T0 + 30 * DAY)
    call_command("trash_purge")  # what the hourly beat does
    assert set(_rows(processed.pk).values()) == {0}, _rows(processed.pk)
    # Walk both storages: only the twin's files are left.
    left = {(id(default_storage), n) for n in _files(default_storage)} | {
        (id(private_storage), n) for n in _files(private_storage)}
    theirs = {(id(s), n) for s, n in purge.asset_files(asset_id=twin.pk)}
    assert left == {x for x in theirs if x in left} and kept_before <= theirs
    assert private_storage.exists(twin.file.name)  # the twin's original stays
    assert Delivery.objects.filter(event="asset.purged").count() == 1
    payload = Delivery.objects.get(event="asset.purged").payload
    assert payload["asset"]["id"] == str(processed.uid) and payload["usages"][0]["url"] == PAGES[0]
    assert purge.asset_purge(asset_id=processed.pk) is False  # gone: nothing to do


def _twin(asset):
    with asset.file.open("rb") as fp:
        return _upload("lighthouse-again.jpg", fp.read())


def test_a_purge_cut_short_is_finished_by_the_next_and_blocks_restore(
        users, processed, monkeypatch, sent):
    _everything(processed, users["editor"])
    assert _delete(users["editor"], processed.uid, force=True).status_code == 200
    deleted, real = [], FileSystemStorage.delete

    def dying(storage, name):
        if len(deleted) == 3:
            raise OSError("disk went away")
        deleted.append(name)
        real(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", dying)
    with pytest.raises(OSError):
        purge.asset_purge(asset_id=processed.pk)
    monkeypatch.setattr(FileSystemStorage, "delete", real)
    # Half its files are gone; its rows are still in the trash, seen and served nowhere.
    asset = Asset.objects.get(pk=processed.pk)
    assert asset.deleted_at and asset.purge_started_at
    assert str(processed.uid) not in _listed(users["editor"])
    _error(_restore(users["editor"], processed.uid), 409)  # its files may be gone
    assert purge.trash_due() == [processed.pk]  # the beat takes it up, whatever the days
    assert purge.trash_purge_due() == [processed.pk]
    assert set(_rows(processed.pk).values()) == {0}
    assert _files(default_storage) == set() and _files(private_storage) == set()


# --- Orphans -----------------------------------------------------------------------

def _plant(storage, name: str, age_s: float) -> None:
    from django.core.files.base import ContentFile
    storage.save(name, ContentFile(b"x" * 10))
    moment = time.time() - age_s
    os.utime(storage.path(name), (moment, moment))


def test_files_orphaned_lists_then_deletes_old_orphans_and_keeps_young_ones(processed, capsys):
    _public_urls(processed)
    before = (_files(default_storage), _files(private_storage))
    _plant(default_storage, "renditions/zz/lost.jpg", 7200)
    _plant(private_storage, "originals/zz/lost.jpg", 7200)
    _plant(default_storage, "renditions/zz/arriving.jpg", 10)
    call_command("files_orphaned")
    out = capsys.readouterr().out
    assert "public\trenditions/zz/lost.jpg\t10\torphan" in out
    assert "private\toriginals/zz/lost.jpg\t10\torphan" in out
    assert "arriving.jpg\t10\tyoung, kept" in out
    assert "2 orphaned files, 20 bytes, found (dry run" in out
    assert default_storage.exists("renditions/zz/lost.jpg")  # a dry run
    call_command("files_orphaned", "--delete")
    assert "2 orphaned files, 20 bytes, deleted" in capsys.readouterr().out
    assert _files(default_storage) == before[0] | {"renditions/zz/arriving.jpg"}
    assert _files(private_storage) == before[1]
    call_command("files_orphaned", "--delete", "--grace", "0")
    assert _files(default_storage) == before[0]


def test_a_storage_inside_the_other_is_not_walked_twice(settings, tmp_path):
    outer = FileSystemStorage(location=str(tmp_path / "media"))
    inner = FileSystemStorage(location=str(tmp_path / "media" / "private"))
    assert orphans.nested(outer, inner) == "private"
    assert orphans.nested(inner, outer) is None
    with pytest.raises(ValueError):
        orphans.nested(outer, FileSystemStorage(location=str(tmp_path / "media")))


# --- Settings ----------------------------------------------------------------------

@pytest.mark.parametrize("value", [-1, "30", 1.5, True, None])
def test_a_bad_trash_days_is_caught_at_start(settings, value):
    from dam.checks import check_dam_settings
    settings.DAM = {**getattr(settings, "DAM", {}), "TRASH_DAYS": value}
    assert "dam.E008" in [e.id for e in check_dam_settings(None)]


def test_the_beat_purges_hourly_and_only_editors_may_delete(settings):
    from dam.roles import role_permissions
    assert settings.CELERY_BEAT_SCHEDULE["purge-trash"] == {
        "task": "renditions.tasks.purge_trash", "schedule": 3600.0}
    assert "dam.delete_asset" in role_permissions("Editors")
    assert "dam.delete_asset" not in role_permissions("Viewers")
    assert not any("purge_asset" in p for role in ("Editors", "Reviewers")
                   for p in role_permissions(role))
    assert Permission.objects.filter(codename="purge_asset").exists()


# --- On S3 (moto) ------------------------------------------------------------------

def test_on_s3_the_trash_withholds_the_objects_and_the_purge_leaves_no_key(
        client, editor, default_profiles, s3_endpoint, monkeypatch, capsys):
    """The bucket holds both storages (the private one under "private/"): trashing moves
    the public objects out of reach (their presigned URLs fail), restoring brings them
    back under the same keys, the purge removes every key of the asset, and
    files_orphaned walks the bucket without mistaking the private prefix for orphans."""
    import requests
    from django.test import override_settings

    from renditions import delivery, services
    from tests.integration.test_s3_storage import _keys, _storages

    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=_storages(s3_endpoint)):
        asset = dam_services.asset_create(file=_upload("dune.jpg"), uploaded_by=editor)
        services.asset_process(asset_id=asset.pk)
        stable = reverse("deliver", args=[asset.uid, "hero"])
        urls = [stable, f"{stable}?w=160", f"{stable}?fm=webp",
                delivery.signed_url(asset.uid, 100, 75, absolute=False)]
        located = [client.get(url)["Location"] for url in urls]
        every = _keys(s3_endpoint)
        assert every and len(every) >= 5

        assert _delete(editor, asset.uid).status_code == 200
        assert all(client.get(url).status_code == 410 for url in urls)
        assert all(requests.get(u, timeout=10).status_code in (403, 404) for u in located)
        assert _restore(editor, asset.uid).status_code == 200
        assert _keys(s3_endpoint) == every
        assert all(requests.get(u, timeout=10).status_code == 200 for u in located)

        from django.core.files.base import ContentFile
        default_storage.save("renditions/zz/lost.jpg", ContentFile(b"x" * 10))
        call_command("files_orphaned", "--grace", "0")
        out = capsys.readouterr().out
        assert out.splitlines()[0] == "public\trenditions/zz/lost.jpg\t10\torphan", out
        assert "1 orphaned file, 10 bytes" in out  # nothing under private/ taken for one
        call_command("files_orphaned", "--grace", "0", "--delete")
        assert _keys(s3_endpoint) == every

        assert _delete(editor, asset.uid).status_code == 200
        assert purge.asset_purge(asset_id=asset.pk)
        assert _keys(s3_endpoint) == set() and not Asset.objects.exists()
