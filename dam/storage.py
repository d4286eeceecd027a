"""Where files live: renditions in the public ``default`` storage, originals and
saliency maps in the ``private`` one (STORAGES["private"] in settings).

No URL serves the private storage; originals reach editors through an
authenticated view, and delivery serves renditions only.
"""
from __future__ import annotations

from django.core.files import File
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


def store_content_addressed(storage, name: str, content: File) -> bool:
    """Write ``content`` at ``name`` (a name derived from its bytes) unless it is there whole.

    Returns whether it wrote. A file cut short by a failed write (a full disk, a
    killed worker) is written again instead of being trusted; when a concurrent
    writer of the same bytes took ``name`` first and the storage picked another
    name for us, that copy is removed again.
    """
    if storage.exists(name):
        try:
            if storage.size(name) == content.size:
                return False
            storage.delete(name)
        except FileNotFoundError:
            pass  # removed since exists() by a run dropping its superseded renditions
    content.seek(0)
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
    return True
