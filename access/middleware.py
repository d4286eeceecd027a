"""Pages' permission refusals go to the audit log (the API's: ``renditions.api.errors``)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .services import refusal_record


class RefusalAuditMiddleware:
    """Records a ``PermissionDenied`` raised by a page view; Django's 403 page still
    answers. Place after AuthenticationMiddleware, so the user is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            refusal_record(request=request, status=403,
                           reason=str(exception) or "Permission denied.")
        return None
