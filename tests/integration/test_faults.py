"""Faults and bursts on the app as users run it: `manage.py serve` (granian, a prefork
Celery worker, beat, all supervised) in a subprocess, on the test database and the
configured broker (filesystem by default, Redis when CELERY_BROKER_URL says so).

Every scenario ends the same way: every asset ready, exactly one up-to-date
rendition per active profile, every stored file whole and owned by a row.
The figures (uploads, failures, seconds to recover) are printed (pytest -s).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlparse

import psutil
import pytest
from django.conf import settings
from django.db import connection

from dam.models import Asset
from renditions import derive, services
from renditions.models import Rendition, RenditionProfile, Analysis
from renditions.selectors import current_renditions
from renditions.tasks import process_asset
from tests.integration import _flaky_storage as faults
from tests.integration._app_process import (PASSWORD, AppProcess, Editor, TcpProxy, database_away,
                                            database_back, photo, upload, upload_many,
                                            wait_held)
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STUCK_AFTER = 5  # seconds before the sweep queues a queued/processing asset again
SWEEP_INTERVAL = 2  # seconds between sweeps (Celery beat)
RECOVERY_TIMEOUT = 120.0


def _redis_url() -> str | None:
    url = settings.CELERY_BROKER_URL
    return url if url.startswith("redis://") else None


# --- fixtures -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def fresh_media(settings):
    """Replaces conftest's: the app processes store under VAR_DIR, so this process
    looks there too, emptied first (with the broker's folders and the fault cues)."""
    var = Path(settings.VAR_DIR)
    for sub in ("media", "private", "faults"):
        shutil.rmtree(var / sub, ignore_errors=True)
    for folder in (var / "broker").glob("*"):
        for message in folder.glob("*"):
            message.unlink()
    settings.MEDIA_ROOT = str(var / "media")
    assert settings.STORAGES["private"]["OPTIONS"]["location"] == str(var / "private")


@pytest.fixture
def broker(services_required):
    """The configured broker, emptied; a Redis that is not there fails under CI=1."""
    url = _redis_url()
    if url:
        import redis

        client = redis.Redis.from_url(url)
        try:
            client.ping()
        except redis.ConnectionError as exc:
            if services_required:
                pytest.fail(f"CELERY_BROKER_URL={url} but Redis is not reachable: {exc}")
            pytest.skip(f"Redis at {url} is not reachable")
        stale = [k for pattern in ("salient*", "unacked*") for k in client.keys(pattern)]
        if stale:
            client.delete(*stale)
    return url


@pytest.fixture
def start_app(transactional_db, default_profiles, editor, broker, tmp_path):
    """Start `manage.py serve` on the test database (or on ``database_url``)."""
    started = []

    def start(*, database_url: str | None = None) -> AppProcess:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
               "SALIENT_VAR_DIR": str(settings.VAR_DIR),
               "DATABASE_URL": database_url or _database_url(),
               "SALIENT_STUCK_AFTER": str(STUCK_AFTER),
               "SALIENT_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
               "SALIENT_TEST_RETRY_BACKOFF_MAX": "4", "SALIENT_TEST_FAULTS": "1",
               "PYTHONUNBUFFERED": "1"}
        app = AppProcess(env=env, log_path=tmp_path / "serve.log")
        started.append(app)
        return app.start()

    yield start
    for app in started:
        app.stop()


@pytest.fixture
def app(start_app) -> AppProcess:
    return start_app()


def _database_url(port: int | None = None) -> str:
    """The test database, as a URL for the app processes (``port``: a proxy's)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@"
            f"{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}")


# --- helpers --------------------------------------------------------------------------

def wait_all_ready(app: AppProcess, count: int, since: float, *, failed: int = 0) -> float:
    """Wait until ``count`` assets exist and are done; seconds since ``since``."""
    def done():
        statuses = list(Asset.objects.values_list("status", flat=True))
        return len(statuses) >= count and all(s in ("ready", "failed") for s in statuses)

    try:
        wait_for(done, timeout=RECOVERY_TIMEOUT, interval=0.25)
    except AssertionError:
        stuck = list(Asset.objects.values_list("pk", "status", "attempts", "updated_at"))
        raise AssertionError(f"not recovered: {stuck}\n{app.log_tail()}") from None
    seconds = time.monotonic() - since
    bad = list(Asset.objects.exclude(status="ready").values_list("pk", "status", "error_message"))
    assert len(bad) == failed, (f"expected {failed} not ready, found {bad}", app.log_tail())
    assert not app.task_errors(), app.task_errors()  # each run ends in a status, or retries
    return seconds


def assert_consistent() -> None:
    """One up-to-date rendition per active profile per asset; every file whole and owned."""
    profiles = list(RenditionProfile.objects.filter(is_active=True))
    for asset in Asset.objects.filter(status="ready"):
        analysis = Analysis.objects.get(asset=asset)
        boxes = derive.decided_boxes(asset)
        wanted = {(p.pk, derive.rendition_key(asset=asset, profile=p, analysis=analysis,
                                                box=boxes.get(p.pk))) for p in profiles}
        rows = set(asset.renditions.values_list("profile_id", "key"))
        assert rows == wanted, (f"asset {asset.pk}: {len(rows - wanted)} renditions for inputs "
                                f"no longer stored, {len(wanted - rows)} current ones missing")
        current = current_renditions(asset.renditions.all()).values_list("profile_id", flat=True)
        assert sorted(current) == sorted(p.pk for p in profiles)
    media, private = Path(settings.MEDIA_ROOT), Path(settings.STORAGES["private"]["OPTIONS"]
                                                     ["location"])
    owned_media = set(Rendition.objects.values_list("file", flat=True))
    owned_private = (set(Asset.objects.values_list("file", flat=True))
                     | set(Analysis.objects.values_list("map_file", flat=True)))
    assert _files(media) == owned_media, {"orphans": _files(media) - owned_media,
                                          "missing": owned_media - _files(media)}
    assert _files(private) == owned_private, {"orphans": _files(private) - owned_private,
                                              "missing": owned_private - _files(private)}
    cut_short = [(r.file.name, (media / r.file.name).stat().st_size, r.size_bytes)
                 for r in Rendition.objects.all()
                 if (media / r.file.name).stat().st_size != r.size_bytes]
    assert not cut_short, f"rendition files not whole (name, on disk, expected): {cut_short}"


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def report(scenario: str, **figures) -> None:
    print(f"\n[faults] {scenario}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def uploads_one_held(editor: Editor, count: int) -> tuple[int, str]:
    """``count`` uploads by ``editor``, the first rendition save held until released:
    (the pid of the pool process holding it, the asset's uid)."""
    faults.arm("hold-saves", 1)
    for i in range(count):
        upload(editor, i)
    return wait_held()


# --- worker deaths --------------------------------------------------------------------

def test_pool_process_killed_mid_task(app):
    editor = Editor(app.base, "ed", PASSWORD)
    worker = app.worker().pid
    pid, uid = uploads_one_held(editor, 3)
    assert Asset.objects.get(uid=uid).status == "processing"
    assert pid in {p.pid for p in app.pool()}
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    seconds = wait_all_ready(app, 3, killed)
    assert_consistent()
    report("pool process killed mid-task", uploads=3, failures=0, recovered_s=f"{seconds:.1f}",
           worker_restarted=app.worker().pid != worker)


def test_idle_pool_process_killed_then_more_uploads(app):
    editor = Editor(app.base, "ed", PASSWORD)
    upload(editor, 0)
    wait_all_ready(app, 1, time.monotonic())
    worker = app.worker().pid
    killed = time.monotonic()
    os.kill(app.pool()[0].pid, signal.SIGKILL)
    for i in range(1, 4):
        upload(editor, i)
    seconds = wait_all_ready(app, 4, killed)
    assert_consistent()
    wait_for(lambda: len(app.pool()) == 2, timeout=30)  # the pool is whole again
    report("idle pool process killed, then 3 uploads", uploads=4, failures=0,
           recovered_s=f"{seconds:.1f}", worker_restarted=app.worker().pid != worker)


def test_worker_main_process_killed_mid_task(app):
    editor = Editor(app.base, "ed", PASSWORD)
    pid, uid = uploads_one_held(editor, 3)
    worker = app.worker()
    assert Asset.objects.get(uid=uid).status == "processing"
    assert psutil.Process(pid).ppid() == worker.pid
    killed = time.monotonic()
    worker.kill()
    seconds = wait_all_ready(app, 3, killed)
    assert_consistent()
    assert app.worker().pid != worker.pid
    report("worker main process killed mid-task", uploads=3, failures=0,
           recovered_s=f"{seconds:.1f}")


def test_killed_three_times_fails_with_a_message_and_can_be_retried(app):
    editor = Editor(app.base, "ed", PASSWORD)
    faults.arm("hold-saves", services.MAX_ATTEMPTS)
    uid = upload(editor, 0)
    started = time.monotonic()
    for _ in range(services.MAX_ATTEMPTS):
        pid, held = wait_held(timeout=RECOVERY_TIMEOUT)
        assert held == uid
        os.kill(pid, signal.SIGKILL)
    seconds = wait_all_ready(app, 1, started, failed=1)
    asset = Asset.objects.get(uid=uid)
    assert asset.status == "failed"
    assert f"after {services.MAX_ATTEMPTS} attempts" in asset.error_message
    assert "Process again" in asset.error_message and "Traceback" not in asset.error_message
    done = app.tasks_done()
    process_asset.delay(asset.pk)  # a late duplicate, as a second sweep or a redelivery sends
    wait_for(lambda: app.tasks_done() > done, timeout=RECOVERY_TIMEOUT)
    assert Asset.objects.get(uid=uid).status == "failed", "a duplicate undid the attempt cap"
    assert editor.reprocess(uid).status_code == 202  # the editor's button
    retried = time.monotonic()
    wait_all_ready(app, 1, retried)
    assert_consistent()
    report("killed 3 times", uploads=1, ended="failed", seconds_to_failed=f"{seconds:.1f}",
           message=repr(asset.error_message[:70] + "..."),
           then="Process again -> ready")


# --- services away --------------------------------------------------------------------

@contextlib.contextmanager
def redis_down(broker: str):
    """Redis at ``broker`` shut down (nosave: what it held is lost) for the block, then
    started again and answering, also when the block fails."""
    host, port = urlparse(broker).hostname, str(urlparse(broker).port or 6379)

    def ping() -> subprocess.CompletedProcess:
        return subprocess.run(["redis-cli", "-h", host, "-p", port, "ping"], capture_output=True)

    subprocess.run(["redis-cli", "-h", host, "-p", port, "shutdown", "nosave"], check=False)
    wait_for(lambda: ping().returncode != 0, timeout=10)
    try:
        yield
    finally:
        subprocess.run(["redis-server", "--port", port, "--daemonize", "yes", "--save", "",
                        "--appendonly", "no"], check=True, stdout=subprocess.DEVNULL)
        wait_for(lambda: ping().stdout.strip() == b"PONG", timeout=10)


def test_broker_restarted_mid_run(app, broker):
    if not broker:
        pytest.skip("the filesystem broker has no server to restart (a folder under VAR_DIR); "
                    "this runs with CELERY_BROKER_URL=redis://...")
    editor = Editor(app.base, "ed", PASSWORD)
    uploads_one_held(editor, 4)
    cut = time.monotonic()
    with redis_down(broker):
        (faults.faults_dir() / "release").touch()  # the task in flight goes on without a broker
        during = [upload(editor, i) for i in range(4, 6)]
        time.sleep(3)  # the outage itself: what the test is about
    down_s = time.monotonic() - cut
    after = [upload(editor, i) for i in range(6, 8)]
    seconds = wait_all_ready(app, 8, cut)
    assert_consistent()
    report("Redis shut down (nosave) and started again", uploads=8,
           during_outage=len(during), after=len(after), failures=0,
           outage_s=f"{down_s:.1f}", recovered_s=f"{seconds:.1f}",
           broker_warnings=app.log_count("could not reach the broker"))


def test_worker_killed_while_the_broker_is_down(app, broker):
    """Celery's consumer can die of a lost broker ("Unrecoverable error"); serve restarts
    it, and the hook that queues what it held needs the broker. The web server stays
    up, the hook runs once Redis is back, and every upload finishes."""
    if not broker:
        pytest.skip("the filesystem broker has no server to stop; "
                    "this runs with CELERY_BROKER_URL=redis://...")
    editor = Editor(app.base, "ed", PASSWORD)
    uploads_one_held(editor, 3)
    worker = app.worker()
    cut = time.monotonic()
    with redis_down(broker):
        worker.kill()
        wait_for(lambda: app.log_count("the step after its restart failed") > 0, timeout=30)
        during = upload(editor, 3)  # the web server is still up
    wait_for(lambda: app.log_count("the step after its restart went through") > 0, timeout=60)
    seconds = wait_all_ready(app, 4, cut)
    assert_consistent()
    assert app.worker().pid != worker.pid
    report("worker killed while Redis was down", uploads=4, during_outage=int(bool(during)),
           failures=0, recovered_s=f"{seconds:.1f}")


@pytest.fixture
def db_proxy():
    """On PostgreSQL, a proxy between the app and the database that the test can cut
    (requested before start_app, so it closes after the app has stopped)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        yield None
        return
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


def test_database_unavailable_for_seconds(db_proxy, start_app):
    app = start_app(database_url=_database_url(db_proxy.port) if db_proxy else None)
    answers, down_s, seconds = _outage_run(app, db_proxy)
    assert_consistent()
    how = "PostgreSQL: proxy cut" if db_proxy else "SQLite: BEGIN EXCLUSIVE"
    report(f"database away ({how})", uploads=7, answers_during_outage=answers, failures=0,
           outage_s=f"{down_s:.1f}", recovered_s=f"{seconds:.1f}", retries=app.retries())


def _outage_run(app: AppProcess, proxy: TcpProxy | None) -> tuple[list[int], float, float]:
    """3 uploads, one of them mid-task when the database goes away for ~5 s, 2 uploads
    during the outage (answers kept; a refused one is sent again after), 2 after."""
    editors = [Editor(app.base, "ed", PASSWORD) for _ in range(3)]
    uploads_one_held(editors[0], 3)
    cut = time.monotonic()
    lock = database_away(proxy)
    (faults.faults_dir() / "release").touch()  # the task in flight meets the outage
    with ThreadPoolExecutor(2) as pool:
        sent = {i: pool.submit(editors[1 + i % 2].upload, f"photo-{i}.jpg", photo(i))
                for i in (3, 4)}
        time.sleep(max(0.0, 5 - (time.monotonic() - cut)))  # the outage itself
        database_back(proxy, lock)
        down_s = time.monotonic() - cut
        during = {i: future.result() for i, future in sent.items()}
    answers = [r.status_code for r in during.values()]
    assert all(code in (201, 500, 503) for code in answers), answers
    assert all("Traceback" not in r.text for r in during.values())
    for i in [i for i, r in during.items() if r.status_code != 201]:
        upload(editors[0], i)  # what a person does after an error page: send it again
    for i in (5, 6):
        upload(editors[0], i)
    return answers, down_s, wait_all_ready(app, 7, cut)


def test_storage_writes_that_fail_are_retried(app):
    editor = Editor(app.base, "ed", PASSWORD)
    faults.arm("fail-saves", 4)
    started = time.monotonic()
    for i in range(3):
        upload(editor, i)
    seconds = wait_all_ready(app, 3, started)
    assert (faults.faults_dir() / "fail-saves").read_text() == "0"  # all four failed
    assert_consistent()
    report("4 rendition writes fail with ENOSPC (half written)", uploads=3, failures=0,
           done_s=f"{seconds:.1f}", retries=app.retries())


# --- burst ----------------------------------------------------------------------------

def test_burst_from_parallel_clients_and_simultaneous_focal_saves(app):
    assert len(app.pool()) == 2  # the prefork pool, two processes
    started = time.monotonic()
    results = upload_many(app.base, 24, clients=4)
    uploaded_s = time.monotonic() - started
    refused = [r for r in results if r[1] != 201]
    assert not refused, refused
    seconds = wait_all_ready(app, 24, started)
    assert_consistent()
    uid = results[0][2]
    editors = [Editor(app.base, "ed", PASSWORD) for _ in range(2)]
    barrier = threading.Barrier(2)

    def save(args):
        editor, (x, y) = args
        barrier.wait()
        return editor.focal(uid, x, y)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(save, zip(editors, [(0.2, 0.3), (0.8, 0.6)])))
    assert [r.status_code for r in answers] == [200, 200], [r.text[:300] for r in answers]
    focal_saved = time.monotonic()
    wait_all_ready(app, 24, focal_saved)
    analysis = Analysis.objects.get(asset__uid=uid)
    assert (analysis.focal_origin, [analysis.focal_x, analysis.focal_y]) in (
        ("editor", [0.2, 0.3]), ("editor", [0.8, 0.6]))
    assert_consistent()
    report("burst", uploads=24, clients=4, failures=0, upload_s=f"{uploaded_s:.1f}",
           all_ready_s=f"{seconds:.1f}", focal_saves=[r.status_code for r in answers])


# --- one asset processed twice at once --------------------------------------------------

def test_two_runs_of_one_asset_at_once_leave_one_file_per_rendition(app):
    """Two quick focal saves queue the asset twice and both pool processes take it.
    Here both runs are held at their first rendition write, so they surely overlap."""
    editor = Editor(app.base, "ed", PASSWORD)
    uid = upload(editor, 0)
    wait_all_ready(app, 1, time.monotonic())
    faults.arm("hold-saves", 2)
    assert [editor.focal(uid, 0.3, 0.4).status_code for _ in range(2)] == [200, 200]
    held = [wait_held(), wait_held()]
    assert len({pid for pid, _ in held}) == 2 and {u for _, u in held} == {uid}
    done = app.tasks_done()
    (faults.faults_dir() / "release").touch()
    wait_for(lambda: app.tasks_done() >= done + 2, timeout=RECOVERY_TIMEOUT)
    wait_all_ready(app, 1, time.monotonic())
    assert_consistent()


def test_a_newer_focal_point_wins_over_a_slower_older_run(app):
    """The run for the first focal point is still rendering (held) when the second
    point is saved and its run finishes: the delivered renditions follow the second."""
    editor = Editor(app.base, "ed", PASSWORD)
    uid = upload(editor, 0)
    wait_all_ready(app, 1, time.monotonic())
    faults.arm("hold-saves", 1)
    assert editor.focal(uid, 0.2, 0.3).status_code == 200
    wait_held()
    assert editor.focal(uid, 0.8, 0.6).status_code == 200
    done = app.tasks_done()
    wait_for(lambda: app.tasks_done() > done, timeout=RECOVERY_TIMEOUT)  # the second run
    (faults.faults_dir() / "release").touch()
    wait_for(lambda: app.tasks_done() > done + 1, timeout=RECOVERY_TIMEOUT)  # the first
    wait_all_ready(app, 1, time.monotonic())
    assert_consistent()
