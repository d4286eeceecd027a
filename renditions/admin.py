from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html

from dam import roles
from dam.conf import dam_setting
from dam.admin import AssetAdmin as DamAssetAdmin
from dam.models import Asset

from . import describing, describing_fields, purge, services, trash
from .icc import IccProfile
from .models import Analysis, Frame, Rendition, RenditionProfile
from .rights_fields import DATES, RIGHTS


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

    def save_model(self, request, obj, form, change):
        """A replaced file is deleted once the new one's row is committed."""
        old = IccProfile.objects.filter(pk=obj.pk).values_list("file", flat=True).first()
        super().save_model(request, obj, form, change)
        if old and old != obj.file.name:
            storage = obj.file.storage
            transaction.on_commit(lambda: storage.delete(old))

    def delete_model(self, request, obj):
        storage, name = obj.file.storage, obj.file.name
        super().delete_model(request, obj)
        transaction.on_commit(lambda: storage.delete(name))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


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


#: The admin form's fields that ``renditions.describing`` edits ("tags": the keywords).
DESCRIBED = (*describing_fields.FIELDS, *RIGHTS, "tags")


def described_changes(form) -> dict:
    """The described fields the admin's form changed, as the API takes them (a time as
    ISO 8601, a licence by id, keywords as a list); with one rights date changed, the
    other comes too, so their order is checked."""
    names = [name for name in form.changed_data if name in DESCRIBED]
    if set(names) & set(DATES):
        names = list(dict.fromkeys([*names, *DATES]))
    changes = {}
    for name in names:
        value = form.cleaned_data.get(name)
        if name in DATES:
            value = value.isoformat() if value else None
        elif name == "licence":
            value = value.pk if value else None
        elif name == "tags":
            name, value = "keywords", list(value or ())
        changes[name] = "" if value is None and name in describing_fields.FIELDS else value
    return changes


class DescribedAssetForm(forms.ModelForm):
    """The asset's change form, checked by the API's rules
    (``describing_fields.changes_clean``)."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                describing_fields.changes_clean(described_changes(self))
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    name = "tags" if name == "keywords" else name
                    self.add_error(name if name in self.fields else None, errors)
        return cleaned


class TrashingAssetAdmin(DamAssetAdmin):
    """dam's asset admin, whose deletes go to the trash (``renditions.trash``: dam
    cannot import it), listed with the trash's state, restored or purged by action.
    Its edits of the described fields (text, keywords, rights) go through
    ``describing.metadata_set``, as the API's do: checked, in the history, renditions
    and CDNs following."""

    form = DescribedAssetForm

    def save_model(self, request, obj, form, change):
        if change:
            stored = type(obj).objects.get(pk=obj.pk)
            for name in form.changed_data:  # describing writes these, below
                if name in (*DESCRIBED, "collection") and name != "tags":
                    field = obj._meta.get_field(name)
                    setattr(obj, field.attname, getattr(stored, field.attname))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        changes = described_changes(form) if change else {}
        if "keywords" in changes:  # the form's own m2m save keeps them as they are
            form.cleaned_data["tags"] = list(form.instance.tags.names())
        super().save_related(request, form, formsets, change)
        moved = (form.cleaned_data["collection"].pk
                 if change and "collection" in form.changed_data else None)
        if changes or moved:
            describing.metadata_set(asset=form.instance, changes=changes, user=request.user,
                                    collection=moved)

    list_display = (*DamAssetAdmin.list_display, "deleted_at")
    list_filter = (("deleted_at", admin.EmptyFieldListFilter), *DamAssetAdmin.list_filter)
    actions = ["reprocess", "trash", "restore", "purge_now"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would skip the trash's confirmation
        if not roles.can(request.user, "purge_asset"):
            actions.pop("purge_now", None)
        return actions

    def get_deleted_objects(self, objs, request):
        """The confirmation says what happens: to the trash, nothing removed yet."""
        days = dam_setting("TRASH_DAYS")
        listed = [f"{asset} (to the trash: restorable for {days} days)" for asset in objs]
        return listed, {"assets": len(listed)}, set(), []

    def delete_model(self, request, obj):
        self._trash(request, [obj])

    def delete_queryset(self, request, queryset):
        self._trash(request, queryset)

    def _trash(self, request, assets):
        """Administrators confirmed on the admin's page; the pages that use each are named."""
        for asset in assets:
            pages = trash.asset_pages(asset=asset)
            trash.asset_trash(asset=asset, user=request.user, force=True)
            if pages:
                self.message_user(request, f"“{asset}” was used on: {', '.join(pages)}.",
                                  messages.WARNING)

    @admin.action(description="Move to the trash", permissions=["delete"])
    def trash(self, request, queryset):
        self._trash(request, queryset)
        self.message_user(request, f"{queryset.count()} moved to the trash.", messages.INFO)

    @admin.action(description="Restore from the trash", permissions=["delete"])
    def restore(self, request, queryset):
        for asset in queryset.filter(deleted_at__isnull=False):
            trash.asset_restore(asset=asset, user=request.user)
        self.message_user(request, "Restored.", messages.INFO)

    @admin.action(description="Delete for good, now (only those in the trash)",
                  permissions=["delete"])
    def purge_now(self, request, queryset):
        done = [pk for pk in queryset.filter(deleted_at__isnull=False).values_list("pk", flat=True)
                if purge.asset_purge(asset_id=pk)]
        self.message_user(request, f"{len(done)} deleted for good.", messages.INFO)


admin.site.unregister(Asset)
admin.site.register(Asset, TrashingAssetAdmin)
