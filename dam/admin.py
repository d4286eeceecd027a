from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .models import Asset, AssetVersion, Collection, CollectionGrant, Licence, Usage


class AssetAddForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ("file", "title", "alt_text", "collection")

    def clean_file(self):
        file = self.cleaned_data["file"]
        services.asset_check(file=file)
        return file


class AssetVersionInline(admin.TabularInline):
    """The asset's previous originals, read only: restoring is the API's (one door)."""
    model = AssetVersion
    extra, can_delete = 0, False
    fields = readonly_fields = ("number", "original_filename", "width", "height", "sha256",
                                "created_at", "created_by")

    def has_add_permission(self, request, obj=None):
        return False


class UsageInline(admin.TabularInline):
    """The pages that show the asset, read only: sites record and remove them through the
    API (``/api/assets/<id>/usages``), one door."""
    model = Usage
    extra, can_delete = 0, False
    fields = readonly_fields = ("url", "site", "rendition", "last_seen_at", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    """Every recorded usage, searchable by page, site or asset: which photos a page
    shows. Read only, like the inline."""
    list_display = ("asset", "site", "url", "rendition", "last_seen_at")
    list_filter = ("site",)
    search_fields = ("url", "site", "asset__title", "=asset__uid")
    list_select_related = ("asset",)
    readonly_fields = ("asset", "url", "site", "rendition", "recorded_by", "created_at",
                       "last_seen_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    inlines = [AssetVersionInline, UsageInline]
    list_display = ("title", "thumbnail", "original_filename", "width", "height", "status",
                    "created_at")
    list_filter = ("status", "collection", "format", "created_at")
    search_fields = ("title", "original_filename", "sha256")
    readonly_fields = ("uid", "original_filename", "sha256", "size_bytes", "width", "height",
                       "format", "status", "error_message", "attempts", "uploaded_by",
                       "created_at", "updated_at")
    actions = ["reprocess"]

    @admin.display(description="Preview")
    def thumbnail(self, obj):
        if not obj.renditions.exists():
            return "—"
        return format_html('<img src="/d/{}/thumb" width="80" height="80" alt="">', obj.uid)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        upload = form.cleaned_data["file"]
        created = services.asset_create(file=upload, uploaded_by=request.user,
                                        title=obj.title, alt_text=obj.alt_text,
                                        collection=obj.collection)
        obj.pk, obj.uid, obj.file = created.pk, created.uid, created.file

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:  # the fields and keywords are saved now; the search follows them
            services.asset_search_refresh(asset=form.instance)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AssetAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("file",) if obj else ())

    @admin.action(description="Process again")
    def reprocess(self, request, queryset):
        for asset in queryset:
            services.asset_enqueue(asset=asset)
        self.message_user(request, f"{queryset.count()} queued.", messages.INFO)


class CollectionGrantInline(admin.TabularInline):
    model = CollectionGrant
    extra = 1
    verbose_name = "group's right here (and in every sub-collection)"


@admin.register(Collection)
class CollectionAdmin(TreeAdmin):
    """The tree, moved by drag and drop; each collection's grants inline."""
    form = movenodeform_factory(Collection, fields=["name"])
    inlines = [CollectionGrantInline]
    list_display = ("name", "created_at")


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    """The licences editors choose from (dam.rights)."""
    list_display = ("name", "description")
    search_fields = ("name",)
