"""Endpoints are configured here; deliveries are a read-only log with redeliver."""
from django import forms
from django.contrib import admin

from . import services
from .models import Delivery, Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https",
                         help_text=Endpoint._meta.get_field("url").help_text)
    events = forms.MultipleChoiceField(
        choices=Event.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.")

    class Meta:
        model = Endpoint
        fields = ("url", "description", "events", "is_active")


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "description", "subscribed", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    actions = ["send_ping"]

    def get_fields(self, request, obj=None):
        fields = ["url", "description", "events", "is_active"]
        return fields + ["secret", "created_at"] if obj else fields  # secret: made on save

    def get_readonly_fields(self, request, obj=None):
        return ("secret", "created_at") if obj else ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(request, "Endpoint saved. Give its receiver the signing secret "
                                       "shown on its page.")

    @admin.display(description="Events")
    def subscribed(self, obj):
        return ", ".join(obj.events) or "all"

    @admin.action(description="Send a test ping")
    def send_ping(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_ping(endpoint=endpoint)
        self.message_user(request, f"Ping queued for {queryset.count()} endpoint(s).")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "endpoint", "status", "response_status", "attempts", "created_at")
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("id", "endpoint__url")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_redeliver_permission(self, request):
        return request.user.has_perm("webhooks.add_delivery")

    @admin.action(description="Redeliver (a new delivery of the same payload)",
                  permissions=["redeliver"])
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            services.delivery_redeliver(delivery=delivery)
        self.message_user(request, f"{queryset.count()} delivery(ies) queued again.")
