from django.apps import AppConfig


class DamConfig(AppConfig):
    name = "dam"
    verbose_name = "Assets"

    def ready(self):
        from . import checks  # noqa: F401  (registers system checks)
        from .celery import ensure_broker_folders

        ensure_broker_folders()
