"""Who may do what: the one permission policy, used by every page and API endpoint.

Each action names the Django permissions it needs (``POLICY``); pages ask
``role_required(action)``, the API's permission classes ask ``can``, templates
read ``can.<action>`` (the ``policy`` context processor). The roles are groups:
viewers read, editors upload and edit, reviewers approve. A user with none of
them sees nothing but the login page (and public delivery URLs).
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

#: action -> the permissions it needs (all of them).
POLICY: dict[str, tuple[str, ...]] = {
    "view": ("dam.view_asset",),
    "upload": ("dam.add_asset",),
    "regenerate": ("dam.change_asset",),
    "download_original": ("dam.change_asset",),
    "edit_metadata": ("dam.change_asset",),  # title, caption, credit, keywords...
    "edit": ("renditions.change_analysis",),  # focal points and crop overrides
    "review": ("renditions.change_rendition",),  # approve, ask for work, reopen
    "add_profile": ("renditions.add_renditionprofile",),
}

#: What a user is refused, in words, per action.
REFUSALS = {
    "view": "You may not view the library.",
    "upload": "You may not upload photos.",
    "regenerate": "Only editors can process an asset again.",
    "download_original": "Only editors can download originals.",
    "edit_metadata": "Only editors can change a photo's description.",
    "edit": "Only editors can change a focal point or a crop.",
    "review": "Only reviewers can review a crop.",
    "add_profile": "Only administrators can add rendition profiles.",
}

ROLE_ACTIONS = {
    "Viewers": ("view",),
    "Editors": ("view", "upload", "regenerate", "download_original", "edit_metadata",
                "edit"),
    "Reviewers": ("view", "review"),
}
#: Read-only rendition rows come with every role (the admin's list of renditions).
_EVERY_ROLE = ("renditions.view_rendition",)


def can(user, action: str) -> bool:
    """Whether ``user`` (anonymous or None: no) may do ``action``."""
    return bool(user and user.is_authenticated and user.has_perms(POLICY[action]))


def role_required(action: str):
    """A page decorator: the login page for anonymous users, 403 for a missing role."""
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not can(request.user, action):
                raise PermissionDenied(REFUSALS[action])
            return view(request, *args, **kwargs)
        return login_required(wrapped)
    return decorator


class Can:
    """``can.edit`` and friends in templates, answered lazily per action."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, action: str) -> bool:
        if action not in POLICY:
            raise AttributeError(action)
        return can(self._user, action)


def policy(request) -> dict:
    """Context processor: ``can`` for the request's user."""
    return {"can": Can(getattr(request, "user", None))}


def role_permissions(role: str) -> list[str]:
    perms = {p for action in ROLE_ACTIONS[role] for p in POLICY[action]}
    return sorted(perms | set(_EVERY_ROLE))


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups and their permissions; idempotent."""
    groups = {}
    for name in ROLE_ACTIONS:
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [p.split(".", 1) for p in role_permissions(name)]
        group.permissions.set([
            Permission.objects.get(content_type__app_label=app, codename=code)
            for app, code in codenames
        ])
        groups[name] = group
    return groups
