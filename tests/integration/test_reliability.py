"""Retries, the sweep and the supervisor's rules, without killing anything
(tests/integration/test_faults.py kills real processes)."""
from __future__ import annotations

import errno
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import timezone

from dam import services as dam_services
from dam.models import Asset
from renditions import enqueue, services, tasks
from tests.conftest import make_photo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(editor, default_profiles, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    return dam_services.asset_create(file=SimpleUploadedFile("a.jpg", make_photo(640, 480)),
                                     uploaded_by=editor)


@pytest.mark.parametrize("error, transient", [
    (OperationalError("database is locked"), True),
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (ConnectionResetError(), True),
    (FileNotFoundError("gone"), False),
    (ValueError("a bug"), False),
    (KeyError("a bug"), False),
])
def test_which_errors_a_retry_may_cure(error, transient):
    assert services.is_transient(error) is transient


def test_a_storage_outage_is_retried_and_then_succeeds(queued, monkeypatch):
    real = services._store_map
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)
    monkeypatch.setattr(services, "_store_map", flaky)
    with pytest.raises(services.TransientError, match="No space left"):
        services.asset_process(asset_id=queued.pk)
    released = Asset.objects.get(pk=queued.pk)
    assert (released.status, released.attempts) == ("queued", 0)  # not counted as a crash
    services.asset_process(asset_id=queued.pk)
    assert Asset.objects.get(pk=queued.pk).status == "ready"


def test_the_task_retries_with_backoff_then_gives_up_with_a_message(queued, settings):
    settings.DAM = {"TASK_RETRIES": 2, "RETRY_BACKOFF_MAX": 7}
    outage = services.TransientError("OperationalError: the database system is starting up")
    retries = []

    def retry(**kwargs):
        retries.append(kwargs["countdown"])
        return RuntimeError("retry")  # what Celery raises to end this run
    with mock.patch.object(services, "asset_process", side_effect=outage):
        for attempt in range(2):
            with mock.patch.object(tasks.process_asset, "retry", side_effect=retry), \
                    pytest.raises(RuntimeError):
                tasks.process_asset.apply(args=[queued.pk], retries=attempt).get()
        tasks.process_asset.apply(args=[queued.pk], retries=2).get()
    assert len(retries) == 2 and all(0 <= c <= 7 for c in retries)
    failed = Asset.objects.get(pk=queued.pk)
    assert failed.status == "failed"
    assert "starting up" in failed.error_message and "Process again" in failed.error_message


def test_the_sweep_requeues_stuck_assets_once(queued, settings, caplog):
    settings.DAM = {"STUCK_AFTER": 60}
    old = timezone.now() - timedelta(seconds=120)
    Asset.objects.filter(pk=queued.pk).update(status="processing", attempts=1, updated_at=old)
    fresh = dam_services.asset_create(file=SimpleUploadedFile("b.jpg", make_photo(320, 240)))
    sent = []
    with mock.patch.object(enqueue, "send_task", side_effect=lambda name, *a: sent.append(a)):
        with caplog.at_level("WARNING", logger="renditions.services"):
            assert services.assets_sweep() == [queued.pk]
            assert services.assets_sweep() == []  # claimed: not queued twice
    assert sent == [(queued.pk, None)]
    assert "queued again" in caplog.text and f"asset {queued.pk}" in caplog.text
    assert fresh.pk not in services.assets_sweep()


def test_a_broker_outage_at_upload_leaves_the_asset_to_the_sweep(editor, default_profiles,
                                                                caplog):
    from kombu.exceptions import OperationalError as BrokerDown

    with mock.patch.object(enqueue, "send_task", side_effect=BrokerDown("refused")):
        with caplog.at_level("WARNING", logger="renditions.enqueue"):
            asset = dam_services.asset_create(
                file=SimpleUploadedFile("c.jpg", make_photo(320, 240)), uploaded_by=editor)
    assert Asset.objects.get(pk=asset.pk).status == "queued"
    assert "the sweep will queue it" in caplog.text


def test_the_supervisor_notices_a_dead_pool_process():
    import os
    import signal
    import subprocess
    import sys

    from dam.supervisor import Child

    # A stand-in for a Celery worker: two pool processes, reaped when they die.
    parent = [sys.executable, "-c",
              "import os, subprocess, sys\n"
              "kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
              " for _ in range(2)]\n"
              "while True: os.wait()"]
    child = Child("worker", parent, watch_pool=True)
    child.start()
    try:
        for _ in range(100):
            if child.trouble() is None and len(child.pool) == 2:
                break
            subprocess.run(["sleep", "0.05"])
        assert len(child.pool) == 2
        victim = sorted(child.pool)[0]
        os.kill(victim, signal.SIGKILL)
        for _ in range(100):
            reason = child.trouble()
            if reason:
                break
            subprocess.run(["sleep", "0.05"])
        assert reason == f"pool process {victim} died"
    finally:
        child.stop(timeout=2)
    assert child.proc.poll() is not None


def test_a_dead_childs_leftover_processes_are_killed_before_the_restart():
    import subprocess
    import sys

    import psutil

    from dam.supervisor import Child

    # A stand-in for granian: its worker outlives the main process killed under it.
    parent = [sys.executable, "-c",
              "import subprocess, sys, time\n"
              "kid = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              "print(kid.pid, flush=True)\n"
              "time.sleep(60)"]
    child = Child("web", parent)
    child.proc = subprocess.Popen(parent, stdout=subprocess.PIPE, start_new_session=True)
    leftover = psutil.Process(int(child.proc.stdout.readline()))
    child.proc.kill()
    child.proc.wait()
    assert leftover.is_running() and child.trouble() == "exited with status -9"
    child.stop(timeout=2)
    leftover.wait(timeout=10)  # raises TimeoutExpired while it still runs
    assert not leftover.is_running()


def test_a_failing_step_after_a_restart_is_tried_again_and_stops_nothing(caplog):
    """The worker's restart hook queues the sweep through the broker; with the broker
    down it raises. That must not end ``supervise`` (which stops every child, the web
    server too), and the hook runs once the broker is back, with the time of death."""
    import sys

    from dam import supervisor

    calls, broker_up = [], [False]

    def queue_orphans(died_at):
        if not broker_up[0]:
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")
        calls.append(died_at)

    child = supervisor.Child("worker", [sys.executable, "-c", "import time; time.sleep(60)"],
                             after_restart=queue_orphans)
    child.start()
    first = child.proc.pid
    try:
        child.restart("exited with status 1")
        assert child.proc.pid != first and child.proc.poll() is None
        assert "the step after its restart failed" in caplog.text
        child.run_after_restart()  # a tick with the broker still down
        assert calls == [] and child.hook_due is not None
        broker_up[0] = True
        died_at = child.hook_due
        child.run_after_restart()  # the next tick
        child.run_after_restart()  # and one more: it ran once
        assert calls == [died_at] and child.hook_due is None
    finally:
        child.stop(timeout=2)


@pytest.mark.parametrize("retries, low, high", [(0, 0.5, 1), (3, 4, 8), (7, 64, 128),
                                                (12, 150, 300)])
def test_backoff_doubles_up_to_the_cap_and_keeps_half_of_it(retries, low, high):
    waits = [tasks.backoff(retries) for _ in range(200)]
    assert low <= min(waits) and max(waits) <= high
    assert max(waits) - min(waits) > (high - low) / 4  # jittered, not in lockstep


def test_the_tasks_enqueue_sends_by_name_are_the_workers_tasks():
    from dam.celery import app

    app.loader.import_default_modules()
    assert {enqueue.PROCESS_ASSET, enqueue.SWEEP_STUCK_ASSETS} <= set(app.tasks)
    assert (tasks.process_asset.name, tasks.sweep_stuck_assets.name) == (
        enqueue.PROCESS_ASSET, enqueue.SWEEP_STUCK_ASSETS)
