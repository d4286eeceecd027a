"""Output ICC profiles for print frames: uploaded by an admin, checked on upload."""
from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import models

from dam.storage import get_private_storage

from .engine import printing

#: Largest ICC profile an admin may upload, in bytes.
ICC_MAX_BYTES = 16 * 1024 * 1024


class IccProfile(models.Model):
    """An output ICC profile for print frames (CMYK for a press), uploaded by an
    admin; checked with LittleCMS on upload (``clean``). Private: never served."""

    slug = models.SlugField(unique=True, help_text="What a print URL names (icc=...).")
    name = models.CharField(max_length=100)
    file = models.FileField(max_length=255, upload_to="icc/", storage=get_private_storage,
                            help_text="An ICC output profile for CMYK (.icc, .icm).")
    description = models.CharField(max_length=200, blank=True, editable=False,
                                   help_text="The profile's own description.")
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = "ICC output profile"

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if not self.file:
            return
        data = self.read()
        if len(data) > ICC_MAX_BYTES:
            raise ValidationError({"file": f"An ICC profile is at most {ICC_MAX_BYTES} bytes."})
        try:
            self.description = printing.output_profile_check(data)[:200]
        except ValueError as exc:
            raise ValidationError({"file": str(exc)}) from None
        self.sha256 = hashlib.sha256(data).hexdigest()

    def read(self) -> bytes:
        """The profile's bytes (an upload not yet stored, or the stored file)."""
        if self.file._committed:  # Django's own flag: False for an upload not yet saved
            with self.file.storage.open(self.file.name, "rb") as fp:
                return fp.read(ICC_MAX_BYTES + 1)
        upload = self.file.file  # left open: the form saves it next
        upload.seek(0)
        data = upload.read(ICC_MAX_BYTES + 1)
        upload.seek(0)
        return data
