from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from renditions import signals

        from . import receivers

        signals.renditions_updated.connect(receivers.on_renditions_updated,
                                           dispatch_uid="webhooks.renditions_updated")
        signals.processing_failed.connect(receivers.on_processing_failed,
                                          dispatch_uid="webhooks.processing_failed")
        signals.crop_reviewed.connect(receivers.on_crop_reviewed,
                                      dispatch_uid="webhooks.crop_reviewed")
        signals.asset_described.connect(receivers.on_asset_described,
                                        dispatch_uid="webhooks.asset_described")
        signals.asset_replaced.connect(receivers.on_asset_replaced,
                                       dispatch_uid="webhooks.asset_replaced")
        signals.rights_changed.connect(receivers.on_rights_changed,
                                       dispatch_uid="webhooks.rights_changed")
        signals.asset_purging.connect(receivers.on_asset_purging,
                                      dispatch_uid="webhooks.asset_purging")
        signals.cdn_purge.connect(receivers.on_cdn_purge, dispatch_uid="webhooks.cdn_purge")
