"""The roles: viewers read, editors upload and edit, reviewers approve.

A user with none of them sees nothing but the login page (and public delivery URLs).
"""
from django.contrib.auth.models import Group, Permission

ROLE_PERMISSIONS = {
    "Viewers": ["dam.view_asset", "renditions.view_rendition"],
    "Editors": ["dam.add_asset", "dam.change_asset", "dam.view_asset",
                "renditions.change_analysis", "renditions.view_rendition"],
    "Reviewers": ["dam.view_asset", "renditions.view_rendition",
                  "renditions.change_rendition"],
}


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups and their permissions; idempotent."""
    groups = {}
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [p.split(".", 1) for p in perms]
        group.permissions.set([
            Permission.objects.get(content_type__app_label=app, codename=code)
            for app, code in codenames
        ])
        groups[name] = group
    return groups
