from django.apps import AppConfig


class RenditionsConfig(AppConfig):
    name = "renditions"
    verbose_name = "Renditions"
