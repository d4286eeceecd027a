"""The README's run command starts a server and a worker that process an upload."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from tests.conftest import make_photo
from tests.integration.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def running_app(tmp_path):
    """`make run` on the embedded default, in a fresh data folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env["SALIENT_VAR_DIR"] = str(tmp_path / "var")
    port = _free_port()
    log = (tmp_path / "run.log").open("w+")
    proc = subprocess.Popen(["make", "run", f"ADDR=127.0.0.1:{port}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base) or proc.poll() is not None, timeout=120)
        assert proc.poll() is None, Path(log.name).read_text()[-3000:]
        password = re.search(r"Log in as\s+editor\s+with password\s+(\S+)",
                             Path(log.name).read_text()).group(1)
        yield base, password
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _up(base: str) -> bool:
    try:
        return requests.get(f"{base}/login/", timeout=5).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # not listening, or still booting
        return False


def test_run_command_serves_uploads_and_makes_every_rendition(running_app):
    base, password = running_app
    http = requests.Session()
    http.get(f"{base}/login/")
    response = http.post(f"{base}/login/", data={
        "username": "editor", "password": password,
        "csrfmiddlewaretoken": http.cookies["csrftoken"]})
    assert response.url.rstrip("/") == base, "login failed"
    form = http.get(f"{base}/upload/")
    assert form.status_code == 200 and 'type="file"' in form.text
    action = re.search(r'id="upload-form"\s+action="([^"]+)"', form.text).group(1)
    assert action == "/api/assets/"  # the page's script posts where sites post
    response = http.post(f"{base}{action}",
                         files={"files": ("quay.jpg", make_photo(1800, 1200), "image/jpeg")},
                         headers={"X-CSRFToken": http.cookies["csrftoken"]})
    assert response.status_code == 201, response.text
    uid = response.json()["created"][0]["id"]

    def finished():
        data = http.get(f"{base}/api/assets/{uid}/").json()
        return data if data["status"] in ("ready", "failed") else None

    data = wait_for(finished, timeout=180, interval=0.5)
    assert data["status"] == "ready", data["error"]
    sizes = {slug: (r["width"], r["height"]) for slug, r in data["renditions"].items()}
    assert sizes == {"hero": (1600, 900), "square": (600, 600), "portrait": (960, 1200),
                     "story": (675, 1200), "banner": (1500, 500), "card": (800, 600),
                     "thumb": (200, 200)}
    image = http.get(data["renditions"]["hero"]["url"])
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
