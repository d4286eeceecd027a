"""``{% load salient %}``: responsive images of an asset's renditions.

``{% salient_img asset "hero" sizes="100vw" %}`` gives an ``<img>`` with
``src``, ``srcset`` (the profile's widths), ``sizes``, ``width``, ``height``,
``alt`` (the asset's alt text unless given) and ``style="object-position: X% Y%"``
from the focal point, so ``object-fit: cover`` in another box keeps the subject.
``{% salient_picture asset "hero" %}`` wraps it in a ``<picture>`` with AVIF and
WebP ``<source>``s; with ``caption=True`` the ``<picture>`` goes in a ``<figure>``
whose ``<figcaption>`` holds the asset's caption and its credit line (creator and
credit, as sites are obliged to print it). Other keyword arguments become
attributes of the ``<img>`` (``class_`` for ``class``). Without a rendition yet,
both give nothing, nor while the asset is under embargo or expired (``dam.rights``).
``{% salient_used asset "hero" %}`` records the page being rendered as a usage of
the asset (``dam.usages``) and gives nothing.
"""
from __future__ import annotations

from django import template
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from dam import rights, usages
from dam.models import Asset

from .. import delivery, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def salient_used(context, asset: Asset, rendition: str = "", *, site: str = "") -> str:
    """Record that the page being rendered (its URL without the query string, from the
    context's ``request``) shows ``asset`` as ``rendition`` (a profile slug or a frame
    size); ``site`` defaults to the request's host. Idempotent, but a write per render:
    put it in a page that is cached or rendered once per publish. Nothing without a
    request."""
    request = context.get("request")
    if request is None:
        return ""
    url = request.build_absolute_uri(request.path)
    if len(url) <= usages.URL_MAX:
        usages.usage_record(asset=asset, url=url, site=site or request.get_host(),
                            rendition=rendition)
    return ""


@register.simple_tag
def salient_img(asset: Asset, profile: str, *, sizes: str = "100vw", **attrs) -> str:
    def img(rendition, url, info):
        return format_html("<img{}>", flatatt(_img_attrs(asset, rendition, url, info["srcset"],
                                                          info, sizes, attrs)))
    return _with_rendition(asset, profile, img)


@register.simple_tag
def salient_picture(asset: Asset, profile: str, *, sizes: str = "100vw", caption: bool = False,
                    **attrs) -> str:
    def picture(rendition, url, info):
        sources = format_html_join("", "<source{}>", ((flatatt({
            "type": media, "srcset": srcset, "sizes": sizes}),)
            for media, srcset in info["sources"].items()))
        # The <img> is the fallback in the profile's own format, fixed so no Accept swaps it.
        fixed = f"{url}?fm={rendition.format}" if info["sources"] else url
        img = flatatt(_img_attrs(asset, rendition, fixed, delivery.srcset(fixed, info["widths"]),
                                 info, sizes, attrs))
        html = format_html("<picture>{}<img{}></picture>", sources, img)
        return _figure(asset, html) if caption else html
    return _with_rendition(asset, profile, picture)


def credit_line(asset: Asset) -> str:
    """"Creator / Credit" (either alone when the other is empty or the same)."""
    names = [asset.creator.strip(), asset.credit.strip()]
    return " / ".join(dict.fromkeys(n for n in names if n))


def _figure(asset: Asset, picture: str) -> str:
    parts = [format_html('<span class="salient-caption">{}</span>', asset.caption)
             if asset.caption else "",
             format_html('<span class="salient-credit">{}</span>', credit_line(asset))
             if credit_line(asset) else ""]
    parts = [p for p in parts if p]
    if not parts:
        return picture
    return format_html("<figure>{}<figcaption>{}</figcaption></figure>", picture,
                       format_html_join(" ", "{}", ((p,) for p in parts)))


def _with_rendition(asset: Asset, profile: str, build) -> str:
    """``build(rendition, stable url, delivery.responsive(...))`` for the profile's
    current rendition, or "" (none yet, or the asset withheld by its rights)."""
    if rights.rights_state(asset, timezone.now()) != rights.OK:
        return ""
    rendition = selectors.rendition_current(asset=asset, profile_slug=profile)
    if rendition is None:
        return ""
    url = reverse("deliver", args=[asset.uid, profile])
    info = delivery.responsive(rendition, url, getattr(asset, "analysis", None),
                               (asset.width, asset.height))
    return build(rendition, url, info)


def _img_attrs(asset, rendition, url: str, srcset: str, info: dict, sizes: str,
               extra: dict) -> dict:
    attrs = {"src": url, "srcset": srcset, "sizes": sizes,
             "width": rendition.width, "height": rendition.height, "alt": asset.alt_text,
             "style": f"object-position: {info['object_position']}", "loading": "lazy",
             "decoding": "async"}
    attrs.update({k.rstrip("_").replace("_", "-"): v for k, v in extra.items()})
    return attrs
