import os

from django.core.wsgi import get_wsgi_application

from dam import instance

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
instance.prepare()
application = get_wsgi_application()
