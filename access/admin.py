"""The audit log, read-only: administrators read it, nobody edits or deletes it here."""
from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address", "path", "count", "detail")
    list_filter = ("kind", "at")
    search_fields = ("username", "user__username", "ip_address", "path", "detail")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
