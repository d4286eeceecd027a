"""Hash the photos of assets stored before near-duplicates were found on upload (or
all of them with ``--all``) and record which look like which
(``dam.services.asset_hash_refresh``), with progress. Safe to run again."""
from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from dam import services
from dam.models import Asset, Resemblance


class Command(BaseCommand):
    help = "Compute the perceptual hash of assets that have none, and link near-duplicates."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="hash every asset again")

    def handle(self, *args, all=False, **options):
        assets = Asset.objects.order_by("pk")
        if not all:
            assets = assets.filter(image_hash=None)
        ids = list(assets.values_list("pk", flat=True))
        hashed, failed = 0, []
        for pk in tqdm(ids, desc="hashing", unit="asset", disable=options["verbosity"] == 0):
            asset = Asset.objects.filter(pk=pk).first()
            try:
                hashed += asset is not None and services.asset_hash_refresh(asset=asset)
            except OSError as exc:  # a missing original: say which, go on
                failed.append(f"{asset.uid}: {exc}")
        alike = Resemblance.objects.filter(asset__in=ids).values("asset").distinct().count()
        for line in failed:
            self.stderr.write(line)
        self.stdout.write(f"{hashed} hashed, {len(ids) - hashed} not decodable or missing; "
                          f"{alike} look like another.")
