"""Read the photo metadata (IPTC IIM, XMP, EXIF) of existing assets' originals again.

For assets uploaded before metadata was read, or after the reader improved. Goes
through ``dam.services.asset_metadata_read`` (the upload's own rules; the fields and
keywords an editor changed are kept), in chunks of
primary keys so memory stays flat, with a progress bar; lists the assets it could
not read and exits 1 when there were any.
"""
from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dam import services
from dam.models import Asset


class Command(BaseCommand):
    help = ("Read the embedded metadata (caption, credit, keywords...) of existing assets "
            "again: --all, or the assets given by id (the API's uuid or the database pk).")

    def add_arguments(self, parser):
        parser.add_argument("assets", nargs="*", help="Asset ids (uuid or pk).")
        parser.add_argument("--all", action="store_true", help="Every asset.")
        parser.add_argument("--chunk", type=int, default=200, help="Assets per query.")

    def handle(self, *args, assets=(), all=False, chunk=200, **options):
        if bool(assets) == all:
            raise CommandError("Give asset ids or --all (not both).")
        if services.metadata_reader is None:
            raise CommandError("No metadata reader is registered (renditions registers it).")
        chosen = Asset.objects.all() if all else _by_ids(assets)
        failures = self._read(chosen, chunk)
        for asset, message in failures:
            self.stderr.write(f"{asset.uid} ({asset.original_filename}): {message}")
        if failures:
            raise CommandError(f"{len(failures)} asset(s) could not be read.")

    def _read(self, assets, chunk: int) -> list[tuple[Asset, str]]:
        failures, last = [], 0
        with tqdm(total=assets.count(), unit="asset", file=self.stderr._out) as bar:
            while batch := list(assets.filter(pk__gt=last).order_by("pk")[:chunk]):
                for asset in batch:
                    try:
                        services.asset_metadata_read(asset=asset)
                    except (OSError, ValueError) as exc:  # the original is missing or unreadable
                        failures.append((asset, str(exc) or type(exc).__name__))
                    bar.update(1)
                last = batch[-1].pk
        self.stdout.write(f"Read {bar.n - len(failures)} asset(s); {len(failures)} failed.")
        return failures


def _by_ids(ids):
    uids, pks = [], []
    for value in ids:
        try:
            uids.append(uuid.UUID(value))
        except ValueError:
            if not value.isdigit():
                raise CommandError(f"{value!r} is neither an asset uuid nor a pk.") from None
            pks.append(int(value))
    found = Asset.objects.filter(uid__in=uids) | Asset.objects.filter(pk__in=pks)
    if found.count() != len(set(uids)) + len(set(pks)):
        raise CommandError("Some of those assets do not exist.")
    return found
