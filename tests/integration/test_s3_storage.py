"""Originals and renditions go through django-storages to an S3-compatible server.

The server is moto's S3 server on loopback, spoken to over HTTP by boto3 exactly
as an AWS, MinIO or Ceph endpoint would be.
"""
from __future__ import annotations

import socket

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from dam import services as dam_services
from renditions import services
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "salient-test"


@pytest.fixture
def s3_endpoint(monkeypatch):
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets per Python process, not per server: start each test empty
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _storages(endpoint: str) -> dict:
    s3 = {"bucket_name": BUCKET, "endpoint_url": endpoint, "file_overwrite": False}
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3},
        "private": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**s3, "location": "private", "querystring_auth": True}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _keys(endpoint: str) -> set[str]:
    listing = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=BUCKET)
    return {o["Key"] for o in listing.get("Contents", [])}


def test_pipeline_stores_everything_in_the_bucket(client, editor, default_profiles,
                                                  s3_endpoint, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=_storages(s3_endpoint)):
        asset = dam_services.asset_create(
            file=SimpleUploadedFile("dune.jpg", make_photo(1200, 800)), uploaded_by=editor)
        services.asset_process(asset_id=asset.pk)
        asset.refresh_from_db()
        assert asset.status == "ready", asset.error_message
        keys = _keys(s3_endpoint)
        # Originals and analyses under the private prefix, renditions outside it.
        assert f"private/{asset.file.name}" in keys
        assert {r.file.name for r in asset.renditions.all()} <= keys
        assert f"private/{asset.analysis.map_file.name}" in keys
        assert not any(r.file.name.startswith("private/") for r in asset.renditions.all())
        assert "Signature=" in asset.file.url or "X-Amz-Signature=" in asset.file.url
        response = client.get(reverse("deliver", args=[asset.uid, "square"]))
        assert response.status_code == 302 and response["Location"].startswith(s3_endpoint)


def test_frames_and_variants_are_stored_in_the_bucket_and_old_files_go(
        client, editor, default_profiles, s3_endpoint, monkeypatch):
    import requests

    from renditions import delivery, editing
    from renditions.models import Frame

    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=_storages(s3_endpoint)):
        asset = dam_services.asset_create(
            file=SimpleUploadedFile("dune.jpg", make_photo(1200, 800)), uploaded_by=editor)
        services.asset_process(asset_id=asset.pk)
        url = delivery.signed_url(asset.uid, 400, 300, fmt="webp", absolute=False)
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(s3_endpoint)
        fetched = requests.get(response["Location"], timeout=10)
        assert fetched.status_code == 200 and fetched.content[8:12] == b"WEBP"
        variant = client.get(reverse("deliver", args=[asset.uid, "hero"]),
                             HTTP_ACCEPT="image/avif")
        assert variant.status_code == 302 and "Accept" in variant["Vary"]
        frame, hero = Frame.objects.get(spec="400x300.webp"), asset.renditions.get(
            profile__slug="hero")
        old = {frame.file.name, hero.file.name, Frame.objects.get(spec="hero@1200.avif").file.name}
        assert old <= _keys(s3_endpoint)
        editing.focal_set(asset=asset, point=(0.05, 0.5), user=editor)
        services.asset_process(asset_id=asset.pk)
        client.get(url)
        keys = _keys(s3_endpoint)
        new = Frame.objects.get(spec="400x300.webp").file.name
        assert new in keys and not old & keys  # replaced, and the old files deleted


def test_rights_withhold_the_bucket_objects_and_restore_them(
        client, editor, default_profiles, s3_endpoint, monkeypatch):
    """Issue 24: on S3 an embargoed or expired asset's objects leave the public place
    (so neither a public nor an already presigned URL reaches them) and come back under
    the same keys; every delivery URL answers 410 meanwhile. The clock is Django's,
    patched."""
    from datetime import datetime, timedelta, timezone as dt_timezone

    import requests
    from django.utils import timezone

    from renditions import delivery
    from renditions import rights as rights_service

    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=dt_timezone.utc)
    now = {"at": t0}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=_storages(s3_endpoint)):
        asset = dam_services.asset_create(
            file=SimpleUploadedFile("dune.jpg", make_photo(1200, 800)), uploaded_by=editor)
        services.asset_process(asset_id=asset.pk)
        stable = reverse("deliver", args=[asset.uid, "hero"])
        urls = [stable, f"{stable}?w=600", f"{stable}?fm=webp",
                delivery.signed_url(asset.uid, 400, 300, absolute=False)]
        located = [client.get(url)["Location"] for url in urls]  # presigned, made now
        assert all(requests.get(u, timeout=10).status_code == 200 for u in located)
        names = {f.name for f in rights_service.public_files(asset_id=asset.pk)}
        assert len(names) >= 4 and names <= _keys(s3_endpoint)  # every profile, 3 frames
        expiry = t0 + timedelta(minutes=30)
        asset.expires_at = expiry
        asset.save(update_fields=["expires_at"])
        capped = client.get(stable)
        assert capped.status_code == 302 and capped["Cache-Control"] == "public, max-age=60"
        assert capped["Surrogate-Key"] == f"asset-{asset.uid} asset-{asset.uid}-hero"
        now["at"] = expiry - timedelta(seconds=20)
        assert client.get(stable)["Cache-Control"] == "public, max-age=20"

        now["at"] = expiry
        assert rights_service.rights_apply() == [(asset.pk, "ok", "expired")]
        keys = _keys(s3_endpoint)
        assert not names & keys
        assert {f"private/withheld/{n}" for n in names} <= keys
        assert all(requests.get(u, timeout=10).status_code == 404 for u in located)
        for url in urls:
            gone = client.get(url)
            assert gone.status_code == 410 and gone.content == b"This image's licence has ended.\n"

        asset.expires_at = None  # renewed
        asset.save(update_fields=["expires_at"])
        assert rights_service.rights_apply() == [(asset.pk, "expired", "ok")]
        keys = _keys(s3_endpoint)
        assert names <= keys and not any(k.startswith("private/withheld/") for k in keys)
        assert all(requests.get(u, timeout=10).status_code == 200 for u in located)
        assert all(client.get(url).status_code == 302 for url in urls)


def test_a_zip_of_originals_from_the_bucket_names_an_object_gone_meanwhile(
        client, editor, default_profiles, s3_endpoint, monkeypatch):
    import io
    import json
    import zipfile

    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=_storages(s3_endpoint)):
        made = [dam_services.asset_create(
            file=SimpleUploadedFile(name, make_photo(320, 240, subject=(x, 0.5))),
            uploaded_by=editor) for name, x in (("pier.jpg", 0.3), ("dune.jpg", 0.7))]
        boto3.client("s3", endpoint_url=s3_endpoint).delete_object(
            Bucket=BUCKET, Key=f"private/{made[0].file.name}")
        client.force_login(editor)
        response = client.post(reverse("api-assets-download"),
                               json.dumps({"ids": [str(a.uid) for a in made]}),
                               content_type="application/json")
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert archive.namelist() == ["dune.jpg", "MISSING.txt"]
        with made[1].file.open("rb") as fp:
            assert archive.read("dune.jpg") == fp.read()
        assert "pier.jpg" in archive.read("MISSING.txt").decode()
