"""Reads for webhooks: who wants an event, and an asset as the API describes it."""
from __future__ import annotations

from urllib.parse import urlsplit

from dam.conf import public_url
from dam.models import Asset
from renditions.api.serializers import AssetSerializer
from renditions.selectors import assets_described

from .models import Endpoint


def endpoints_for(*, event: str) -> list[Endpoint]:
    """The active endpoints subscribed to ``event`` (no events chosen: all of them)."""
    return [e for e in Endpoint.objects.filter(is_active=True) if e.wants(event)]


def asset_json(*, asset: Asset) -> dict:
    """The asset's public JSON, as ``/api/assets/<uid>/`` gives it to anyone, with
    absolute URLs on SALIENT_PUBLIC_URL (there is no request to take a host from)."""
    described = assets_described(Asset.objects.filter(pk=asset.pk)).get()
    return AssetSerializer(described, context={"absolute": absolute_url,
                                               "private": False}).data


def assets_json(*, asset_ids: list[int]) -> dict[int, dict]:
    """``asset_json`` of many assets at once (a fixed number of queries), by id;
    deleted ones are left out."""
    described = list(assets_described(Asset.objects.filter(pk__in=asset_ids)))
    data = AssetSerializer(described, many=True, context={"absolute": absolute_url,
                                                          "private": False}).data
    return {asset.pk: item for asset, item in zip(described, data)}


def absolute_url(url: str) -> str:
    """``url`` on SALIENT_PUBLIC_URL, unless it is absolute already (a storage's URL)."""
    if urlsplit(url).scheme:
        return url
    return f"{public_url()}/{url.lstrip('/')}"
