"""Recompute every asset's search columns (``dam.services.assets_search_refresh``):
after a change of ``DAM["SEARCH_LANGUAGE"]`` or of the normaliser, or for rows
written around the services. In chunks of 500 primary keys, so memory stays flat."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from dam import services
from dam.models import Asset

CHUNK = 500


class Command(BaseCommand):
    help = "Recompute the search index's words of every asset (after a SEARCH_LANGUAGE change)."

    def handle(self, *args, **options):
        ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            services.assets_search_refresh(
                assets=Asset.objects.filter(pk__in=ids[start:start + CHUNK]))
        self.stdout.write(f"{len(ids)} asset(s) refreshed.")
