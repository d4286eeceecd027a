"""Who may call what: each endpoint maps its methods to an action of ``dam.roles``.

Like DRF's ``DjangoModelPermissions``, a class answers any method it does not
map with 405, whoever asks. The refusal's message is the policy's own.
"""
from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from dam import roles


class Allows(BasePermission):
    """``actions``: HTTP method -> ``dam.roles`` action (``None``: anyone)."""

    actions: dict[str, str | None] = {}

    def has_permission(self, request, view) -> bool:
        if request.method not in self.actions:
            raise exceptions.MethodNotAllowed(request.method)
        action = self.actions[request.method]
        if action is None or roles.can(request.user, action):
            return True
        self.message = roles.REFUSALS[action]
        return False


def allows(**methods: str | None) -> type[Allows]:
    """A permission class: ``allows(GET="view", POST="upload")``."""
    actions = dict(methods)
    if "GET" in actions:
        actions.setdefault("HEAD", actions["GET"])
    return type(f"Allows_{'_'.join(f'{m}_{a}' for m, a in actions.items())}", (Allows,),
                {"actions": actions})


PublicRead = allows(GET=None)
