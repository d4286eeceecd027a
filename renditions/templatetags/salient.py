"""``{% load salient %}``: responsive images of an asset's renditions.

``{% salient_img asset "hero" sizes="100vw" %}`` gives an ``<img>`` with
``src``, ``srcset`` (the profile's widths), ``sizes``, ``width``, ``height``,
``alt`` (the asset's alt text unless given) and ``style="object-position: X% Y%"``
from the focal point, so ``object-fit: cover`` in another box keeps the subject.
``{% salient_picture asset "hero" %}`` wraps it in a ``<picture>`` with AVIF and
WebP ``<source>``s. Other keyword arguments become attributes of the ``<img>``
(``class_`` for ``class``). Without a rendition yet, both give nothing.
"""
from __future__ import annotations

from django import template
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from dam.models import Asset

from .. import delivery, selectors

register = template.Library()


@register.simple_tag
def salient_img(asset: Asset, profile: str, *, sizes: str = "100vw", **attrs) -> str:
    def img(rendition, url):
        return format_html("<img{}>", flatatt(_img_attrs(asset, rendition, url, sizes, attrs)))
    return _with_rendition(asset, profile, img)


@register.simple_tag
def salient_picture(asset: Asset, profile: str, *, sizes: str = "100vw", **attrs) -> str:
    def picture(rendition, url):
        widths = delivery.srcset_widths(rendition)
        formats = delivery.NEGOTIABLE if delivery.negotiates(rendition.profile) else ()
        sources = format_html_join("", "<source{}>", ((flatatt({
            "type": f"image/{fmt}", "srcset": delivery.srcset(url, widths, fmt),
            "sizes": sizes}),) for fmt in formats))
        # The <img> is the fallback in the profile's own format, fixed so no Accept swaps it.
        fixed = f"{url}?fm={rendition.format}" if formats else url
        img = flatatt(_img_attrs(asset, rendition, fixed, sizes, attrs))
        return format_html("<picture>{}<img{}></picture>", sources, img)
    return _with_rendition(asset, profile, picture)


def _with_rendition(asset: Asset, profile: str, build) -> str:
    """``build(rendition, stable url)`` for the profile's current rendition, or ""."""
    rendition = selectors.rendition_current(asset=asset, profile_slug=profile)
    if rendition is None:
        return ""
    return build(rendition, reverse("deliver", args=[asset.uid, profile]))


def _img_attrs(asset, rendition, url: str, sizes: str, extra: dict) -> dict:
    widths = delivery.srcset_widths(rendition)
    analysis = getattr(asset, "analysis", None)
    position = delivery.object_position(analysis, rendition.crop_box, (asset.width, asset.height))
    attrs = {"src": url, "srcset": delivery.srcset(url, widths), "sizes": sizes,
             "width": rendition.width, "height": rendition.height, "alt": asset.alt_text,
             "style": f"object-position: {position}", "loading": "lazy", "decoding": "async"}
    attrs.update({k.rstrip("_").replace("_", "-"): v for k, v in extra.items()})
    return attrs
