"""The Celery app; configuration comes from Django settings (CELERY_ prefix)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
# Workers run one CPU-bound task per process: BLAS threads on top only fight
# over the same cores (measured 25x slower small matrix products on 2 cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("salient")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """Create the filesystem broker's folders; kombu expects them to exist."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)
