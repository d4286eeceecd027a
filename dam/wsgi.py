"""The WSGI application: Django's, wrapped by each of ``settings.WSGI_MIDDLEWARE``
(dotted paths, outermost first; by default the stable URL's lean path,
``renditions.wsgi.StableURLs``: README "An origin for a CDN")."""
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

from dam import instance

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
instance.prepare()


def wrapped(application):
    """``application`` inside ``settings.WSGI_MIDDLEWARE``, the first outermost."""
    for path in reversed(getattr(settings, "WSGI_MIDDLEWARE", ())):
        application = import_string(path)(application)
    return application


application = wrapped(get_wsgi_application())
