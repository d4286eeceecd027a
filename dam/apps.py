from django.apps import AppConfig, apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "Assets"

    def ready(self):
        from django.urls import register_converter

        from . import checks  # noqa: F401  (registers system checks)
        from .converters import StoredNameConverter
        from .folding import sqlite_functions_add

        register_converter(StoredNameConverter, "stored")
        connection_created.connect(sqlite_functions_add, dispatch_uid="dam.folding")
        from .celery import ensure_broker_folders

        ensure_broker_folders()
        # Roles need the permissions of both apps; renditions migrates last.
        post_migrate.connect(_create_roles, sender=apps.get_app_config("renditions"))
        post_migrate.connect(_search_repair, sender=self)


def _create_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


def _search_repair(sender, using="default", **kwargs):
    """SQLite: a later migration that rebuilds dam_asset drops the FTS5 triggers."""
    from django.db import connections

    from .search import schema

    schema.sqlite_repair(connections[using])
