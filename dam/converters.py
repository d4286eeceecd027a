"""URL converters."""
from django.urls.converters import PathConverter


class StoredNameConverter(PathConverter):
    """A storage name in a URL: ``<path:>`` without NUL, which no stored name holds
    (and PostgreSQL text refuses), so such a URL is a 404 rather than a 500."""

    regex = r"[^\x00]+"
