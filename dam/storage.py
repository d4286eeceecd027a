"""Where files live: renditions in the public ``default`` storage, originals and
saliency maps in the ``private`` one (STORAGES["private"] in settings).

No URL serves the private storage; originals reach editors through an
authenticated view, and delivery serves renditions only.
"""
from __future__ import annotations

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

PRIVATE_ALIAS = "private"


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[PRIVATE_ALIAS]


private_storage = _PrivateStorage()


def get_private_storage():
    """The private storage (a callable, so migrations name it instead of pickling it)."""
    return private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty
