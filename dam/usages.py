"""Where assets are used: sites record the pages that show an asset (issue 24,
must-have 3). Writes (``usage_record``, ``usage_remove``) and reads
(``usages_of``, ``usages_payload``) of one small entity, kept out of
``services.py`` and ``selectors.py`` so that both stay small.

The API (``renditions.api.usages``) checks who may record and what a rendition
may name; here a usage is stored as given.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Asset, Usage


def usage_record(*, asset: Asset, url: str, site: str = "", rendition: str = "",
                 user=None) -> tuple[Usage, bool]:
    """Record that ``asset`` is shown at ``url`` (on ``site``, as ``rendition``):
    ``(usage, created)``. Idempotent: the same (asset, url, rendition) again only
    refreshes ``last_seen_at`` (and ``site`` when one is given), whoever records it."""
    now = timezone.now()
    key = {"asset": asset, "url": url, "rendition": rendition}
    try:
        with transaction.atomic():  # two workers recording at once: one row wins
            usage, created = Usage.objects.get_or_create(
                **key, defaults={"site": site, "recorded_by": user, "last_seen_at": now})
    except IntegrityError:
        usage, created = Usage.objects.get(**key), False
    if not created:
        usage.last_seen_at, usage.site = now, site or usage.site
        usage.save(update_fields=["last_seen_at", "site"])
    return usage, created


def usage_remove(*, usage: Usage) -> None:
    """Forget one usage (the page no longer shows the asset)."""
    usage.delete()


def usages_of(*, asset: Asset) -> QuerySet[Usage]:
    """``asset``'s usages, the most recently seen first."""
    return Usage.objects.filter(asset=asset).order_by("-last_seen_at", "-id")


def pages_of(usages: list[Usage]) -> list[str]:
    """The distinct page URLs of ``usages``, in their order."""
    return list(dict.fromkeys(u.url for u in usages))


def usages_payload(*, asset_id: int) -> list[dict]:
    """The usages of the asset ``asset_id`` as webhooks carry them:
    ``[{"url", "site", "rendition"}]``, the most recently seen first."""
    return list(Usage.objects.filter(asset_id=asset_id).order_by("-last_seen_at", "-id")
                .values("url", "site", "rendition"))


#: The longest page URL a usage keeps (characters).
URL_MAX = 2000
#: The library's "Use" filter and facet values.
IN_USE, UNUSED = "in_use", "unused"
LABELS = {IN_USE: "In use", UNUSED: "Unused"}


def usage_count() -> Coalesce:
    """How many pages use an asset (distinct URLs: a page showing two renditions is one
    page), as an annotation (a subquery: no GROUP BY to disturb a search's joins)."""
    counts = (Usage.objects.filter(asset=OuterRef("pk")).order_by().values("asset")
              .annotate(n=Count("url", distinct=True)).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def in_use() -> Exists:
    """True for an asset some site recorded a usage of (filter with it, or ``~`` it)."""
    return Exists(Usage.objects.filter(asset=OuterRef("pk")))
