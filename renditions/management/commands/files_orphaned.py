"""List (and with ``--delete`` remove) the files of both storages that no row refers
to: ``files_orphaned [--delete] [--grace SECONDS]``. A dry run by default."""
from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from renditions import orphans


class Command(BaseCommand):
    help = ("List the files in the public and private storages that no row refers to "
            "(left by a crash); --delete removes them. Files younger than --grace are kept: "
            "an upload may be on its way.")

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true",
                            help="Remove the orphans (default: only list them).")
        parser.add_argument("--grace", type=int, default=3600, metavar="SECONDS",
                            help="Leave files younger than this alone (default 3600).")

    def handle(self, *args, delete, grace, **options):
        if grace < 0:
            raise CommandError("--grace is a number of seconds, 0 or more.")
        try:
            found = orphans.files_orphaned(grace=timedelta(seconds=grace))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for f in found:
            mark = "young, kept" if f.young else ("deleted" if delete else "orphan")
            self.stdout.write(f"{f.storage}\t{f.name}\t{f.size}\t{mark}")
        old = [f for f in found if not f.young]
        size = sum(f.size for f in old)
        if delete:
            orphans.files_delete(found)
        verb = "deleted" if delete else "found (dry run: --delete removes them)"
        self.stdout.write(f"{len(old)} orphaned file{'s' * (len(old) != 1)}, {size} bytes, "
                          f"{verb}; {len(found) - len(old)} younger than {grace} s kept.")
