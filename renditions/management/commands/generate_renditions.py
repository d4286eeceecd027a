"""Make or remake renditions for existing assets, at archive scale, with progress.

Runs through the same service as the pipeline (status, attempts, errors), in
chunks of primary keys so memory stays flat over 100 000 assets, and keeps a
checkpoint under var/ so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dam.models import Asset
from renditions import enqueue, services
from renditions.models import RenditionProfile


class Command(BaseCommand):
    help = ("Generate the renditions that existing assets lack or that are out of date (a new "
            "profile, a new model). Runs here with a progress bar, or with --queue hands the "
            "work to the workers. An interrupted run resumes; --restart starts over.")

    def add_arguments(self, parser):
        parser.add_argument("--profile", action="append", help="Only this profile (repeatable).")
        parser.add_argument("--queue", action="store_true", help="Enqueue tasks instead.")
        parser.add_argument("--chunk", type=int, default=500, help="Assets per query.")
        parser.add_argument("--restart", action="store_true", help="Ignore the checkpoint.")

    def handle(self, *args, profile=None, queue=False, chunk=500, restart=False, **options):
        profile_ids = self._profile_ids(profile)
        checkpoint = _Checkpoint(profile_ids, queue, restart)
        assets = Asset.objects.exclude(status=Asset.Status.FAILED)
        todo = assets.filter(pk__gt=checkpoint.last_pk)
        if checkpoint.last_pk:
            self.stdout.write(f"Resuming after asset {checkpoint.last_pk} "
                              f"({checkpoint.done} done before).")
        bar = tqdm(total=todo.count(), unit="asset", file=self.stderr._out)
        for ids in _chunks(todo, chunk):
            for asset_id in ids:
                if queue:
                    enqueue.processing(asset_id, profile_ids)
                else:
                    self._process(asset_id, profile_ids, checkpoint)
                bar.update()
            checkpoint.advance(ids[-1], len(ids))
        bar.close()
        checkpoint.remove()
        self._report(checkpoint, queue)

    def _profile_ids(self, slugs) -> list[int] | None:
        if not slugs:
            return None
        slugs = [slugs] if isinstance(slugs, str) else slugs  # call_command(profile="x")
        profiles = dict(RenditionProfile.objects.filter(is_active=True, slug__in=slugs)
                        .values_list("slug", "pk"))
        missing = sorted(set(slugs) - set(profiles))
        if missing:
            raise CommandError(f"No active profile with slug {', '.join(map(repr, missing))}.")
        return sorted(profiles.values())

    def _process(self, asset_id, profile_ids, checkpoint) -> None:
        before = services.rendition_keys(asset_id=asset_id)
        try:
            services.asset_process(asset_id=asset_id, profile_ids=profile_ids)
        except services.TransientError as exc:
            checkpoint.failed.append([asset_id, str(exc)])
            return
        status, error = Asset.objects.filter(pk=asset_id).values_list(
            "status", "error_message").first() or ("gone", "")
        if status == Asset.Status.FAILED:
            checkpoint.failed.append([asset_id, error])
        checkpoint.made += len(services.rendition_keys(asset_id=asset_id) - before)

    def _report(self, checkpoint, queue) -> None:
        if queue:
            self.stdout.write(self.style.SUCCESS(
                f"Queued {checkpoint.done} assets; the library's Failed filter shows any that "
                "fail."))
            return
        self.stdout.write(self.style.SUCCESS(
            f"{checkpoint.made} renditions made for {checkpoint.done} assets; "
            f"{len(checkpoint.failed)} failed."))
        for asset_id, error in checkpoint.failed[:20]:
            self.stdout.write(f"  asset {asset_id}: {error}")
        if checkpoint.failed:
            raise CommandError(f"{len(checkpoint.failed)} assets failed (listed above).")


def _chunks(queryset, size: int):
    """Primary keys in ascending chunks: keyset pagination, no OFFSET, no big lists."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


class _Checkpoint:
    """Progress of one kind of run (same profiles, same mode), kept in var/."""

    def __init__(self, profile_ids, queue: bool, restart: bool):
        tag = hashlib.sha256(json.dumps([profile_ids, queue]).encode()).hexdigest()[:12]
        self.path = settings.VAR_DIR / f"generate-renditions-{tag}.json"
        state = {}
        if self.path.exists() and not restart:
            state = json.loads(self.path.read_text())
        self.last_pk = state.get("last_pk", 0)
        self.done = state.get("done", 0)
        self.made = state.get("made", 0)
        self.failed = state.get("failed", [])

    def advance(self, last_pk: int, count: int) -> None:
        self.last_pk, self.done = last_pk, self.done + count
        state = {"last_pk": self.last_pk, "done": self.done, "made": self.made,
                 "failed": self.failed}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.path)  # atomic: a kill leaves the old or the new checkpoint

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
