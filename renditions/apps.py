from django.apps import AppConfig


class RenditionsConfig(AppConfig):
    name = "renditions"
    verbose_name = "Renditions"

    def ready(self):
        from dam import signals

        from . import enqueue

        signals.processing_requested.connect(enqueue.on_processing_requested,
                                             dispatch_uid="renditions.processing")
        signals.sweep_requested.connect(enqueue.on_sweep_requested,
                                        dispatch_uid="renditions.sweep")
