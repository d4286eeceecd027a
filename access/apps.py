from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth
        from django.db.models.signals import post_save
        from rest_framework.authtoken.models import Token

        from . import checks  # noqa: F401  (registers system checks)
        from . import receivers

        auth.user_logged_in.connect(receivers.on_signed_in, dispatch_uid="access.signed_in")
        auth.user_login_failed.connect(receivers.on_signin_failed,
                                       dispatch_uid="access.signin_failed")
        user_locked_out.connect(receivers.on_locked_out, dispatch_uid="access.locked_out")
        post_save.connect(receivers.on_token_saved, sender=Token,
                          dispatch_uid="access.token_created")
