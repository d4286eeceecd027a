"""Make missing renditions for existing assets, with a progress bar."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dam.models import Asset
from renditions import services
from renditions.models import RenditionProfile
from renditions.tasks import process_asset


class Command(BaseCommand):
    help = ("Generate the renditions that existing assets lack (e.g. after adding a profile). "
            "Runs here with a progress bar, or with --queue hands the work to the workers.")

    def add_arguments(self, parser):
        parser.add_argument("--profile", help="Only this profile's slug.")
        parser.add_argument("--queue", action="store_true", help="Enqueue tasks instead.")

    def handle(self, *args, profile=None, queue=False, **options):
        profiles = RenditionProfile.objects.filter(is_active=True)
        if profile:
            profiles = profiles.filter(slug=profile)
            if not profiles:
                raise CommandError(f"No active profile with slug {profile!r}.")
        assets = Asset.objects.exclude(status=Asset.Status.FAILED).order_by("pk")
        if queue:
            for asset_id in assets.values_list("pk", flat=True):
                process_asset.delay(asset_id)
            self.stdout.write(f"Queued {assets.count()} assets.")
            return
        made = 0
        for asset in tqdm(assets, total=assets.count(), unit="asset", file=self.stderr._out):
            analysis = services.saliency_ensure(asset=asset)
            before = set(asset.renditions.values_list("key", flat=True))
            current = services.renditions_ensure(asset=asset, analysis=analysis, profiles=profiles)
            made += sum(r.key not in before for r in current)
        self.stdout.write(self.style.SUCCESS(f"{made} renditions made."))
