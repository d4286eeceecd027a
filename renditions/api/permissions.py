"""Who may call what: the UI's roles (``dam.roles``), one explicit class per endpoint.

Like DRF's ``DjangoModelPermissions``, each class maps a method to the permissions
it needs and answers any other method with 405, whoever asks.
"""
from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

VIEW = "dam.view_asset"
UPLOAD = "dam.add_asset"
REPROCESS = "dam.change_asset"
EDIT = "renditions.change_analysis"
REVIEW = "renditions.change_rendition"
ADD_PROFILE = "renditions.add_renditionprofile"


class MethodPermissions(BasePermission):
    """``perms``: HTTP method -> permissions needed (``None``: anyone, logged in or not)."""

    perms: dict[str, tuple[str, ...] | None] = {}

    def has_permission(self, request, view) -> bool:
        if request.method not in self.perms:
            raise exceptions.MethodNotAllowed(request.method)
        needed = self.perms[request.method]
        if needed is None:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(needed))


def _reads(needed: tuple[str, ...] | None) -> dict:
    return {"GET": needed, "HEAD": needed}


class PublicRead(MethodPermissions):
    """The asset's delivery JSON: anyone with its id (private fields need VIEW)."""
    perms = _reads(None)


class AssetsPermission(MethodPermissions):
    """The library: viewers list it, editors upload (the UI's upload page)."""
    perms = {**_reads((VIEW,)), "POST": (UPLOAD,)}


class EditPermission(MethodPermissions):
    """Focal points and crop overrides (the editor's workspace)."""
    perms = {"POST": (EDIT,)}


class ReviewPermission(MethodPermissions):
    """Approve a crop, ask for work, or reopen it (the review queue)."""
    perms = {"POST": (REVIEW,)}


class RegeneratePermission(MethodPermissions):
    """Process an asset again (the asset page's *Process again*)."""
    perms = {"POST": (REPROCESS,)}


class ProfilesPermission(MethodPermissions):
    """Viewers read the profiles; adding one is the admin's permission."""
    perms = {**_reads((VIEW,)), "POST": (ADD_PROFILE,)}


class FrameUrlPermission(MethodPermissions):
    """Signing a frame URL hands out rendering work: viewers only."""
    perms = _reads((VIEW,))
