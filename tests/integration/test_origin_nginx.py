"""The README's nginx recipe for ``X-Accel-Redirect``, for real: nginx in front of a
live server sends the rendition's bytes with the app's headers (skipped without nginx)."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from bench.delivery import ACCEL, accel_server
from bench.load import _free_port

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not shutil.which("nginx"), reason="needs nginx")]


@pytest.fixture
def front(live_server, tmp_path, settings):
    settings.DAM = {**settings.DAM, "ACCEL_REDIRECT": ACCEL}
    port = _free_port()
    user = "user root;" if os.geteuid() == 0 else ""  # test folders are private (0700)
    (tmp_path / "nginx.conf").write_text(f"""
{user} worker_processes 1; daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  upstream salient {{ server {live_server.url.split('//')[1]}; }}
  {accel_server(port, Path(django_settings.MEDIA_ROOT), "http://salient")}
}}""")
    proc = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # nginx binds within a moment
            try:
                requests.get(url + "/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_nginx_sends_the_file_with_the_apps_headers(processed, front):
    hero = processed.renditions.get(profile__slug="hero")
    path = reverse("deliver", args=[processed.uid, "hero"])
    for _ in range(2):  # cold, then from the cached lookup
        answer = requests.get(front + path, timeout=10)
        assert answer.status_code == 200
        assert answer.content == hero.file.open("rb").read()
        assert "X-Accel-Redirect" not in answer.headers
        assert answer.headers["Content-Type"] == "image/jpeg"
        assert answer.headers["ETag"] == f'"{hero.key}"'
        assert answer.headers["Cache-Control"] == "public, max-age=60"
        assert answer.headers["Surrogate-Key"] == \
            f"asset-{processed.uid} asset-{processed.uid}-hero"
        assert answer.headers["Cache-Tag"] == f"asset-{processed.uid},asset-{processed.uid}-hero"
        assert "Accept" in answer.headers["Vary"]


def test_the_internal_location_is_not_reachable_from_outside(processed, front):
    hero = processed.renditions.get(profile__slug="hero")
    assert requests.get(f"{front}{ACCEL}{hero.file.name}", timeout=10).status_code == 404


def test_a_withheld_asset_is_410_through_nginx(processed, front):
    from datetime import timedelta

    from django.utils import timezone

    processed.embargo_until = timezone.now() + timedelta(hours=1)
    processed.save(update_fields=["embargo_until"])
    answer = requests.get(front + reverse("deliver", args=[processed.uid, "hero"]), timeout=10)
    assert answer.status_code == 410 and answer.text == "This image is under embargo.\n"
