"""The app as users run it, for the fault tests: `manage.py serve` in a subprocess
(granian, a prefork Celery worker and beat under dam.supervisor), an editor
driving it over HTTP, unique photos to upload, and the database taken away: a
TCP proxy that cuts PostgreSQL off, an exclusive lock on SQLite."""
from __future__ import annotations

import functools
import io
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import requests
from django.db import connection
from PIL import Image

from tests.conftest import make_photo
from tests.integration import _flaky_storage as faults
from tests.integration.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests"  # the `editor` fixture's (user "ed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """``manage.py serve`` on a free port, with its output in ``log_path``."""

    def __init__(self, *, env: dict[str, str], log_path: Path, concurrency: int = 2):
        self.env, self.log_path, self.concurrency = env, log_path, concurrency
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "AppProcess":
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{self.port}",
             "--concurrency", str(self.concurrency)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(lambda: self._ready() or self.proc.poll() is not None, timeout=timeout,
                 interval=0.3)
        assert self.proc.poll() is None, f"serve exited:\n{self.log_tail()}"
        return self

    def _ready(self) -> bool:
        try:
            up = requests.get(f"{self.base}/login/", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # not listening yet
            return False
        return up and len(self.pool()) == self.concurrency and self.beat() is not None

    def stop(self) -> None:
        """TERM serve (it stops its children), then KILL whatever of it is left."""
        if self.proc is None or self.proc.poll() is not None:
            return
        family = self._descendants()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for child in family:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def log_count(self, text: str) -> int:
        return self.log_path.read_text(errors="replace").count(text)

    def _worker_lines(self, *words: str) -> list[str]:
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if "/ForkPoolWorker" in line and all(w in line for w in words)]

    def retries(self) -> int:
        """Transient errors the worker met and retried (its log says so)."""
        return len(self._worker_lines(": transient "))

    def tasks_done(self) -> int:
        """Processing runs the worker has finished."""
        return len(self._worker_lines("renditions.tasks.process_asset[", " succeeded in "))

    def task_errors(self) -> list[str]:
        """Processing runs that ended in an exception instead of a status."""
        return self._worker_lines("renditions.tasks.process_asset[", " raised unexpected")

    def _descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def _child(self, *words: str) -> psutil.Process | None:
        for child in self._descendants():
            try:
                cmd = child.cmdline()
            except psutil.Error:
                continue
            if "celery" in cmd and all(w in cmd for w in words) and child.ppid() == self.proc.pid:
                return child
        return None

    def worker(self) -> psutil.Process | None:
        """The Celery worker's main process (the supervisor's child)."""
        return self._child("worker")

    def beat(self) -> psutil.Process | None:
        return self._child("beat")

    def pool(self) -> list[psutil.Process]:
        """The worker's prefork pool processes."""
        worker = self.worker()
        try:
            return worker.children() if worker else []
        except psutil.NoSuchProcess:
            return []


class Editor:
    """A logged-in browser session, over plain HTTP."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.http = base, requests.Session()
        self.http.get(f"{base}/login/", timeout=30)
        response = self.http.post(f"{base}/login/", timeout=30, data={
            "username": username, "password": password,
            "csrfmiddlewaretoken": self.http.cookies["csrftoken"]})
        assert response.url.rstrip("/") == base, "login failed"

    def _headers(self, **extra) -> dict:
        return {"X-CSRFToken": self.http.cookies["csrftoken"], **extra}

    def upload(self, name: str, data: bytes) -> requests.Response:
        """What the upload page's script sends: one file to the API (201 + ids)."""
        return self.http.post(f"{self.base}/api/assets/",
                              files={"files": (name, data, "image/jpeg")},
                              headers=self._headers(), timeout=120)

    def focal(self, uid: str, x: float, y: float) -> requests.Response:
        return self.http.post(f"{self.base}/api/assets/{uid}/focal", json={"x": x, "y": y},
                              headers=self._headers(), timeout=60)

    def reprocess(self, uid: str) -> requests.Response:
        return self.http.post(f"{self.base}/api/assets/{uid}/regenerate",
                              headers=self._headers(), timeout=60)


def upload(editor: Editor, index: int) -> str:
    response = editor.upload(f"photo-{index}.jpg", photo(index))
    assert response.status_code == 201, (response.status_code, response.text[:500])
    return response.json()["created"][0]["id"]


def upload_many(base: str, count: int, *, clients: int) -> list:
    """``count`` uploads from ``clients`` parallel sessions: [(index, status, uid or text)]."""
    editors = [Editor(base, "ed", PASSWORD) for _ in range(clients)]

    def one(index: int):
        response = editors[index % clients].upload(f"photo-{index}.jpg", photo(index))
        body = response.json()["created"][0]["id"] if response.status_code == 201 else \
            response.text[:300]
        return index, response.status_code, body

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(count)))


def wait_held(timeout: float = 60.0) -> tuple[int, str]:
    """A pool process holding a rendition save: (its pid, the asset uid)."""
    held = wait_for(lambda: sorted(faults.faults_dir().glob("held-*")), timeout=timeout)[0]
    pid, name = int(held.name.split("-", 1)[1]), held.read_text()
    held.unlink()
    return pid, name.split("/")[1]  # renditions/<uid>/<profile>-<key>.<ext>


@functools.lru_cache(maxsize=1)
def _grain(width: int, height: int) -> np.ndarray:
    """A photo with sensor-like grain, so its JPEG is the size of a real one (~1 MB)."""
    base = np.asarray(Image.open(io.BytesIO(make_photo(width, height))), dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, 10, base.shape).astype(np.float32)
    return (base + noise).clip(0, 255).astype(np.uint8)


def photo(index: int, width: int = 2300, height: int = 1530) -> bytes:
    """A unique ~3.5 MP JPEG (``index`` in black and white squares along the top),
    so no upload is a duplicate of another."""
    pixels = _grain(width, height).copy()
    for bit in range(16):
        pixels[:32, bit * 32:(bit + 1) * 32] = 255 if index >> bit & 1 else 0
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=90)
    return buf.getvalue()


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; ``cut()`` drops every connection
    and refuses new ones (accepts and closes them) until ``restore()``."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.down = upstream, False
        self._pairs: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.update((client, server))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src, dst)

    def _drop(self, *socks: socket.socket) -> None:
        for sock in socks:
            with self._lock:
                self._pairs.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self) -> None:
        self.down = True
        with self._lock:
            live = list(self._pairs)
        self._drop(*live)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self._listener.close()


def database_away(proxy: TcpProxy | None):
    """Cut PostgreSQL off at ``proxy``, or hold SQLite's write lock (writers wait on
    it, up to their timeout); returns what ``database_back`` needs."""
    if proxy is not None:
        proxy.cut()
        return None
    lock = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    return lock


def database_back(proxy: TcpProxy | None, lock) -> None:
    """End what ``database_away`` started."""
    if proxy is not None:
        proxy.restore()
    else:
        lock.execute("ROLLBACK")
        lock.close()
