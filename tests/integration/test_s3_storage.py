"""Originals and renditions go through django-storages to an S3-compatible server.

The server is moto's S3 server on loopback, spoken to over HTTP by boto3 exactly
as an AWS, MinIO or Ceph endpoint would be.
"""
from __future__ import annotations

import socket

import boto3
import pytest
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
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_pipeline_stores_everything_in_the_bucket(client, editor, default_profiles,
                                                  s3_endpoint, monkeypatch):
    s3 = {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "file_overwrite": False}
    storages = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3},
        "private": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**s3, "location": "private", "querystring_auth": True}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    with override_settings(STORAGES=storages):
        asset = dam_services.asset_create(
            file=SimpleUploadedFile("dune.jpg", make_photo(1200, 800)), uploaded_by=editor)
        services.asset_process(asset_id=asset.pk)
        asset.refresh_from_db()
        assert asset.status == "ready", asset.error_message
        keys = {o["Key"] for o in boto3.client("s3", endpoint_url=s3_endpoint)
                .list_objects_v2(Bucket=BUCKET)["Contents"]}
        # Originals and analyses under the private prefix, renditions outside it.
        assert f"private/{asset.file.name}" in keys
        assert {r.file.name for r in asset.renditions.all()} <= keys
        assert f"private/{asset.analysis.map_file.name}" in keys
        assert not any(r.file.name.startswith("private/") for r in asset.renditions.all())
        assert "Signature=" in asset.file.url or "X-Amz-Signature=" in asset.file.url
        response = client.get(reverse("deliver", args=[asset.uid, "square"]))
        assert response.status_code == 302 and response["Location"].startswith(s3_endpoint)
