"""django-axes' backend, telling the audit log which sign-ins it refused unchecked."""
from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied


class LockoutBackend(AxesStandaloneBackend):
    """First in ``AUTHENTICATION_BACKENDS``: a locked-out account or address is refused
    before any password is checked, and the request is marked ``access_locked``, so
    that refusal is not written down as a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.access_locked = True
            raise
