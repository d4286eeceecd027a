from django.contrib import admin
from django.utils.html import format_html

from . import services
from .icc import IccProfile
from .models import Analysis, Frame, Rendition, RenditionProfile


@admin.register(RenditionProfile)
class RenditionProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "aspect_width", "aspect_height", "width", "height",
                    "max_width", "format", "quality", "align", "pad", "is_active")
    list_filter = ("format", "is_active")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.is_active:
            count = services.profile_backfill(profile=obj)
            self.message_user(request, f"Renditions queued for {count} assets.")


@admin.register(IccProfile)
class IccProfileAdmin(admin.ModelAdmin):
    """Output profiles for print frames (``?icc=<slug>``), checked with LittleCMS
    on upload (``IccProfile.clean``): an output profile for CMYK."""
    list_display = ("name", "slug", "description", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("description", "sha256", "created_at")


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ("asset", "profile", "width", "height", "confidence", "faces_cut",
                    "preview", "created_at")
    list_filter = ("profile", "faces_cut")
    search_fields = ("asset__title", "asset__original_filename")
    list_select_related = ("asset", "profile")
    readonly_fields = [f.name for f in Rendition._meta.fields]

    @admin.display(description="Preview")
    def preview(self, obj):
        return format_html('<img src="{}" style="max-width:120px;max-height:80px" alt="">',
                           obj.file.url)

    def has_add_permission(self, request):
        return False


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ("asset", "model_name", "model_version", "compute_ms", "focal_x", "focal_y",
                    "focal_origin")
    readonly_fields = ("asset", "map_file", "model_name", "model_version", "compute_ms", "faces",
                       "created_at", "updated_at")


@admin.register(Frame)
class FrameAdmin(admin.ModelAdmin):
    """Frames made on request (any size, srcset widths, negotiated formats): read only.
    They go with their rendition, or when a newer frame of the same spec replaces them."""
    list_display = ("asset", "spec", "width", "height", "format", "size_bytes", "created_at")
    list_filter = ("format",)
    search_fields = ("asset__title", "spec")
    list_select_related = ("asset",)
    readonly_fields = [f.name for f in Frame._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the row would go and leave its file behind
