"""Who may do what: the one permission policy, used by every page and API endpoint.

Each action names the Django permissions it needs (``POLICY``); pages ask
``role_required(action)``, the API's permission classes ask ``can``, templates
read ``can.<action>`` (the ``policy`` context processor). The roles are groups:
viewers read, editors upload and edit, reviewers approve. A user with none of
them sees nothing but the login page (and public delivery URLs).

A role group's permissions hold in every collection. A group can instead be
granted a level on one collection (``CollectionGrant``: view, edit, review),
which holds there and in its sub-collections; ``GRANTS`` says what each level
allows. ``can(user, action, collection=c)`` asks about one place;
``can(user, action)`` whether the user may do it anywhere (a page or endpoint
lets them in, then asks about the asset), and ``scope`` gives the collections'
paths for filtering querysets (``dam.selectors.assets_visible``).
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

from .models import CollectionGrant

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
    "add_collection": ("dam.add_collection",),
    "record_usage": ("dam.add_usage",),  # sites say where they use an asset
    "delete_asset": ("dam.delete_asset",),  # to the trash, and back (renditions.trash)
    "purge_asset": ("dam.purge_asset",),  # out of the trash for good, at once
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
    "add_collection": "Only administrators can add collections.",
    "record_usage": "Only editors can record or remove where a photo is used.",
    "delete_asset": "Only editors can delete a photo or restore it from the trash.",
    "purge_asset": "Only administrators can delete a photo for good.",
}

ROLE_ACTIONS = {
    "Viewers": ("view",),
    "Editors": ("view", "upload", "regenerate", "download_original", "edit_metadata",
                "edit", "record_usage", "delete_asset"),
    "Reviewers": ("view", "review"),
}
#: What a collection grant's level allows there: the actions of the matching role.
GRANTS = {"view": ROLE_ACTIONS["Viewers"], "edit": ROLE_ACTIONS["Editors"],
          "review": ROLE_ACTIONS["Reviewers"]}
#: Read-only rendition rows come with every role (the admin's list of renditions).
_EVERY_ROLE = ("renditions.view_rendition",)


EVERYWHERE = None


def scope(user, action: str) -> list[str] | None:
    """Where ``user`` may do ``action``: ``EVERYWHERE`` (None) through a role's
    permissions, else the paths of the collections granted (their sub-collections'
    paths start with them), empty for nowhere. Grants are read once per user object."""
    if not (user and user.is_authenticated):
        return []
    if user.has_perms(POLICY[action]):
        return EVERYWHERE
    grants = getattr(user, "_collection_grants", None)
    if grants is None:
        grants = user._collection_grants = list(CollectionGrant.objects.filter(
            group__user=user).values_list("collection__path", "level"))
    return sorted({path for path, level in grants if action in GRANTS[level]})


def can(user, action: str, *, collection=None) -> bool:
    """Whether ``user`` (anonymous or None: no) may do ``action`` in ``collection``
    (a Collection), or without one anywhere at all."""
    paths = scope(user, action)
    if paths is EVERYWHERE:
        return True
    if collection is None:
        return bool(paths)
    return any(collection.path.startswith(p) for p in paths)


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
    """``can.edit`` and friends in templates, answered lazily per action: anywhere,
    or in ``collection`` (a page about one asset passes its collection)."""

    def __init__(self, user, collection=None):
        self._user, self._collection = user, collection

    def __getattr__(self, action: str) -> bool:
        if action not in POLICY:
            raise AttributeError(action)
        return can(self._user, action, collection=self._collection)


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
