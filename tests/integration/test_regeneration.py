"""Bulk regeneration at archive scale: flat memory, batched, resumable, honest."""
from __future__ import annotations

import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from dam.models import Asset
from renditions import enqueue, services

pytestmark = pytest.mark.django_db(transaction=True)


def _assets(n: int, start: int = 0) -> None:
    Asset.objects.bulk_create([
        Asset(file=f"originals/x/{i:064x}.jpg", original_filename=f"{i}.jpg", sha256=f"{i:064x}",
              size_bytes=1, width=10, height=10, format="jpg", status=Asset.Status.READY)
        for i in range(start, start + n)], batch_size=2000)


def _queue_peak(monkeypatch, settings) -> tuple[int, list[int]]:
    """Peak Python memory (bytes) of `generate_renditions --queue`, and what it queued."""
    sent = []
    monkeypatch.setattr(enqueue, "processing", lambda pk, profiles=None: sent.append(pk))
    tracemalloc.start()
    try:
        call_command("generate_renditions", queue=True, chunk=500, restart=True)
        return tracemalloc.get_traced_memory()[1], sent
    finally:
        tracemalloc.stop()


def test_queueing_an_archive_keeps_memory_flat(monkeypatch, settings, capsys):
    _assets(1_000)
    small, sent = _queue_peak(monkeypatch, settings)
    assert len(sent) == 1_000
    _assets(19_000, start=1_000)
    large, sent = _queue_peak(monkeypatch, settings)
    assert sorted(sent) == sorted(Asset.objects.values_list("pk", flat=True))  # each once
    assert large < 2 * small + 2**20, (small, large)  # 20x the assets, not 20x the memory
    assert "Queued 20000 assets" in capsys.readouterr().out


def test_an_interrupted_run_resumes_and_failures_are_listed(monkeypatch, settings, capsys):
    _assets(30)
    ids = sorted(Asset.objects.values_list("pk", flat=True))
    seen, killed = [], []

    def process(*, asset_id, profile_ids=None):
        seen.append(asset_id)
        if asset_id == ids[12] and not killed:
            killed.append(asset_id)
            raise RuntimeError("killed")  # the run dies in the middle of the second chunk
        if asset_id == ids[20]:
            Asset.objects.filter(pk=asset_id).update(status="failed",
                                                     error_message="the JPEG file is truncated")
    monkeypatch.setattr(services, "asset_process", process)
    with pytest.raises(RuntimeError, match="killed"):
        call_command("generate_renditions", chunk=10, restart=True)
    assert seen == ids[:13]
    seen.clear()
    with pytest.raises(CommandError, match="1 assets failed"):
        call_command("generate_renditions", chunk=10)
    out = capsys.readouterr().out
    assert f"Resuming after asset {ids[9]}" in out  # the first chunk was checkpointed
    assert seen == ids[10:]
    assert f"asset {ids[20]}: the JPEG file is truncated" in out
