from django.apps import AppConfig


class RenditionsConfig(AppConfig):
    name = "renditions"
    verbose_name = "Renditions"

    def ready(self):
        from corsheaders import signals as cors_signals
        from dam import conf, services, signals

        from . import checks, describing, enqueue  # noqa: F401  (checks: the system checks)
        from . import cdn, element, regions, regions_in, rights
        from . import signals as rendition_signals
        from .conf import DEFAULTS
        from .engine import metadata
        from .engine.loading import probe
        from .engine.similarity import image_hash

        conf.extend(DEFAULTS)
        services.image_probe_set(probe)
        services.metadata_reader_set(metadata.read)
        services.image_hasher_set(image_hash)
        services.edited_fields_set(describing.edited_fields)
        services.original_rewriter_set(regions.original_chunks)

        signals.processing_requested.connect(enqueue.on_processing_requested,
                                             dispatch_uid="renditions.processing")
        signals.sweep_requested.connect(enqueue.on_sweep_requested,
                                        dispatch_uid="renditions.sweep")
        cors_signals.check_request_enabled.connect(element.cors_allowed,
                                                   dispatch_uid="renditions.element")
        signals.metadata_read.connect(regions_in.on_metadata_read,
                                      dispatch_uid="renditions.regions")
        rendition_signals.renditions_updated.connect(rights.on_renditions_updated,
                                                     dispatch_uid="renditions.rights")
        cdn.connect()  # CDN purges and the cached lookup's invalidation
