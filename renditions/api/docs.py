"""The schema's interactive page (Swagger UI) under the site's strict CSP.

Its files come from 'self' (drf-spectacular-sidecar), its set-up script from
``?script`` (the split view), and the page has no inline style: the stock
template's small ``<style>`` block would be refused by ``style-src 'self'``.
"""
from __future__ import annotations

from django.template import engines
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.renderers import TemplateHTMLRenderer

PAGE = """{% extends "drf_spectacular/swagger_ui.html" %}
{% block head %}<title>{{ title }}</title>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{ favicon_href }}"><link rel="stylesheet" href="{{ swagger_ui_css }}">
{% endblock head %}"""


class _PageRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        if list(template_names) == [DocsView.template_name]:
            return engines["django"].from_string(PAGE)
        return super().resolve_template(template_names)


class DocsView(SpectacularSwaggerSplitView):
    renderer_classes = [_PageRenderer]
    url_name = "api-schema"
