"""This installation's own folder (``SALIENT_VAR_DIR``, default ``./var``) and what
makes it one: the generated secret key and the static folder.

The entry points (``manage.py``, which ``make run`` uses to start the web server and
the workers, and the WSGI application) call ``prepare()`` before Django reads its
settings, so importing ``dam.settings`` writes nothing; it only reads the key
(``secret_key``). A worker started on its own needs ``DJANGO_SECRET_KEY``, as every
machine of a production set-up does. No Django here.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    return Path(os.environ.get("SALIENT_VAR_DIR", BASE_DIR / "var")).resolve()


def prepare() -> None:
    """Create the folder, its ``static/`` and, unless ``DJANGO_SECRET_KEY`` is set, the
    secret key (once: idempotent, and safe when the web server and the worker start
    together)."""
    (var_dir() / "static").mkdir(parents=True, exist_ok=True)
    if os.environ.get("DJANGO_SECRET_KEY"):
        return
    try:  # O_EXCL: one process writes the key, the others read it
        fd = os.open(var_dir() / "secret-key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50) + "\n")


def secret_key() -> str | None:
    """``DJANGO_SECRET_KEY``, else the generated key; None when neither exists yet."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    path = var_dir() / "secret-key"
    for _ in range(50):
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            return None
        if key:
            return key
        time.sleep(0.02)  # another process is writing it right now
    raise RuntimeError(f"{path} is empty; delete it to generate a new key")
