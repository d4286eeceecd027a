"""store_content_addressed when another worker removes the file between its checks."""
from __future__ import annotations

from django.core.files.base import ContentFile

from dam.storage import store_content_addressed


class VanishingStorage:
    """A storage whose file is there for exists() and gone by size()."""

    def __init__(self):
        self.files = {"r/banner.jpg": b"old"}

    def exists(self, name):
        return name in self.files

    def size(self, name):
        self.files.pop(name)  # the other worker's delete lands now
        raise FileNotFoundError(name)

    def delete(self, name):
        self.files.pop(name, None)

    def save(self, name, content):
        self.files[name] = content.read()
        return name


def test_a_file_removed_between_exists_and_size_is_written_again():
    storage = VanishingStorage()
    assert store_content_addressed(storage, "r/banner.jpg", ContentFile(b"new bytes"))
    assert storage.files == {"r/banner.jpg": b"new bytes"}
