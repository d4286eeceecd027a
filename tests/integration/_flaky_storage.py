"""A rendition storage that fails or pauses on cue, for the fault tests.

tests/settings.py selects it when SALIENT_TEST_FAULTS=1 (only the app processes
that tests/integration/test_faults.py starts). With no cue it is the plain
FileSystemStorage. Cues are files in ``VAR_DIR/faults``, shared by every
process of the app, each holding how many saves it still applies to:

    fail-saves   the next N saves write half the file, then raise
                 OSError(ENOSPC), as FileSystemStorage does on a full disk
    hold-saves   the next N saves write ``held-<pid>`` and wait (up to 60 s)
                 for a ``release`` file: a pool process caught mid-task
"""
from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

HOLD_MAX = 60.0  # seconds: a hold that nobody ends lets go by itself


def faults_dir() -> Path:
    path = Path(settings.VAR_DIR) / "faults"
    path.mkdir(parents=True, exist_ok=True)
    return path


def arm(cue: str, count: int) -> None:
    """Make the next ``count`` saves of every app process take ``cue``."""
    (faults_dir() / cue).write_text(str(count))


def take(cue: str) -> bool:
    """Use up one save of ``cue``, across processes; False when none is left."""
    path = faults_dir() / cue
    if not path.exists():
        return False
    with (faults_dir() / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        left = int(path.read_text() or 0) if path.exists() else 0
        if left <= 0:
            return False
        path.write_text(str(left - 1))
        return True


class FaultyStorage(FileSystemStorage):
    def _save(self, name, content):
        faults = faults_dir()
        if take("hold-saves"):
            (faults / f"held-{os.getpid()}").write_text(name)
            deadline = time.monotonic() + HOLD_MAX
            while not (faults / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        if take("fail-saves"):
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.read()
            path.write_bytes(data[: len(data) // 2])  # the disk filled up half way
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return super()._save(name, content)
