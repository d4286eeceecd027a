"""``{% load salient_element %}``: the ``<salient-img>`` element, cropped in the
browser to whatever box CSS gives it (``renditions.element``).

``{% salient_element_script %}`` gives the element's ``<script type="module">``
(once per page). ``{% salient_element asset alt="..." %}`` gives
``<salient-img>`` with the asset JSON's URL as ``src``, its ``element`` object
inline as ``summary`` (no fetch), ``width``/``height`` (the original's aspect at
``width`` px, default 640) and, inside it, the fallback ``<img>`` that shows
without JavaScript: a whole-image frame with ``object-fit: cover`` and
``object-position`` at the focal point (a ``style`` attribute, which a strict
Content-Security-Policy refuses: ``fallback=False`` leaves it out). Other
keyword arguments become attributes of the element (``class_`` for ``class``).
URLs are absolute on the rendering request's host (the context's ``request``),
else on SALIENT_PUBLIC_URL. Nothing while the asset has no analysis or its rights
withhold it.
"""
from __future__ import annotations

import json

from django import template
from django.forms.utils import flatatt
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from dam.conf import public_url
from dam.models import Asset

from .. import element

register = template.Library()


def _absolute(path: str) -> str:
    return path if "://" in path else public_url() + path


def _absolute_for(context):
    """URLs on the rendering request's host, else on SALIENT_PUBLIC_URL."""
    request = context.get("request")
    return request.build_absolute_uri if request is not None else _absolute


@register.simple_tag(takes_context=True)
def salient_element_script(context) -> str:
    return format_html('<script type="module" src="{}"></script>',
                       _absolute_for(context)(static("salient/salient-img.js")))


@register.simple_tag(takes_context=True)
def salient_element(context, asset: Asset, *, alt: str | None = None, width: int = 640,
                    fallback: bool = True, **attrs) -> str:
    absolute = _absolute_for(context)
    described = element.element_description(asset, absolute=absolute)
    if described is None:
        return ""
    height = max(1, round(width * asset.height / asset.width))
    alt = asset.alt_text if alt is None else alt
    own = {"src": absolute(reverse("asset-json", args=[asset.uid])),
           "summary": json.dumps(described, separators=(",", ":")), "alt": alt,
           "width": width, "height": height}
    own.update({k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()})
    inner = _fallback(asset, described, alt, width, height) if fallback else ""
    return format_html("<salient-img{}>{}</salient-img>", flatatt(own), inner)


def _fallback(asset: Asset, described: dict, alt: str, width: int, height: int) -> str:
    """The <img> without JavaScript: the smallest frame at least ``width`` px wide."""
    frames = described["frames"]
    frame = next((f for f in frames if f["width"] >= width), frames[-1])
    focal = described["summary"]["focal"]
    position = f"{round(focal['x'] * 100, 1):g}% {round(focal['y'] * 100, 1):g}%"
    return format_html("<img{}>", flatatt({
        "src": frame["url"], "alt": alt, "width": width, "height": height, "loading": "lazy",
        "style": f"object-fit: cover; object-position: {position}"}))
