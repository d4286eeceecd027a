"""Integration fixtures: real database (SQLite or PostgreSQL), a live Celery worker."""
from __future__ import annotations

import time

import pytest
from django.apps import apps as django_apps


@pytest.fixture
def default_profiles(transactional_db):
    """The migration's default profiles (transactional tests flush them)."""
    from renditions.migrations import _defaults

    _defaults.create_profiles(django_apps, None)
    from renditions.models import RenditionProfile

    return list(RenditionProfile.objects.all())


@pytest.fixture
def editor(transactional_db, django_user_model):
    from dam.roles import ensure_roles

    user = django_user_model.objects.create_user("ed", password="pw-for-tests")
    user.groups.add(ensure_roles()["Editors"])
    return user


@pytest.fixture
def users(editor, django_user_model):
    """One user per role (no role, Viewers, Editors, Reviewers) and anonymous (None)."""
    from dam.roles import ensure_roles

    groups = ensure_roles()

    def user(name, group=None):
        created = django_user_model.objects.create_user(name, password="pw-for-tests")
        if group:
            created.groups.add(groups[group])
        return created
    return {"anonymous": None, "no_role": user("nobody"), "viewer": user("vi", "Viewers"),
            "editor": editor, "reviewer": user("rev", "Reviewers")}


@pytest.fixture
def processed(editor, default_profiles, monkeypatch):
    """A 1200x800 photo analysed, with its renditions, synchronously (nothing is
    queued; the worker path is covered elsewhere)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dam import services as dam_services
    from dam.models import Asset
    from renditions import services
    from tests.conftest import make_photo

    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(
        file=SimpleUploadedFile("lighthouse.jpg", make_photo(1200, 800)), uploaded_by=editor)
    services.asset_process(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error_message
    return asset


@pytest.fixture
def live_worker(transactional_db):
    """A real Celery worker consuming the configured broker, in this process."""
    from celery.contrib.testing.worker import start_worker

    from dam.celery import app

    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False,
                      loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


def wait_for(predicate, *, timeout: float = 120.0, interval: float = 0.2):
    """Poll ``predicate`` until it returns a truthy value or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout:.0f} s")


@pytest.fixture(autouse=True)
def fresh_media(settings, tmp_path):
    """Each test stores files in its own folders, so leftovers cannot hide a leak."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        private = {**settings.STORAGES["private"],
                   "OPTIONS": {**settings.STORAGES["private"]["OPTIONS"],
                               "location": str(tmp_path / "private")}}
        settings.STORAGES = {**settings.STORAGES, "private": private}


def wide_subject(asset):
    """Replace an asset's stored map with a band across 10-90 % of the width and
    drop its faces: a subject no tall crop can hold. Returns the analysis."""
    import numpy as np

    from renditions import services

    saliency = np.full((60, 90), 1e-6, np.float32)
    saliency[28:33, 9:81] = 1.0
    analysis = asset.analysis
    analysis.map_file.name = services._store_map(asset, saliency / saliency.sum())
    analysis.faces, analysis.focal_origin = [], "auto"
    analysis.save()
    return analysis
