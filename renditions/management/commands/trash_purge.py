"""Delete for good the assets whose time in the trash is over (what the hourly beat
task does), or named ones in the trash, or the whole trash: ``trash_purge``."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dam.models import Asset
from renditions import purge


class Command(BaseCommand):
    help = ("Delete for good, rows and files, the assets in the trash: those whose "
            "DAM['TRASH_DAYS'] are over (default, as the beat does), the ids given, or --all.")

    def add_arguments(self, parser):
        parser.add_argument("asset_ids", nargs="*", help="Asset ids (UUIDs) in the trash.")
        parser.add_argument("--all", action="store_true", help="Empty the whole trash now.")

    def handle(self, *args, asset_ids, all, **options):
        trashed = Asset.objects.filter(deleted_at__isnull=False)
        if asset_ids:
            pks = list(trashed.filter(uid__in=asset_ids).values_list("pk", flat=True))
            if len(pks) != len(set(asset_ids)):
                raise CommandError("Only assets in the trash can be purged; "
                                   "some of these ids are not there.")
        elif all:
            pks = list(trashed.values_list("pk", flat=True))
        else:
            pks = purge.trash_due()
        done = [pk for pk in pks if purge.asset_purge(asset_id=pk)]
        self.stdout.write(f"{len(done)} asset{'s' * (len(done) != 1)} deleted for good.")
