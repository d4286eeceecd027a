"""Bulk edits: one call changes the description of many assets, each recorded in its
own history (``renditions.describing.metadata_bulk``); or moves them to the trash, or
back (``renditions.trash.assets_trash``, ``assets_restore``).

The selection is a list of ids or a search (the list endpoint's own query, so both
mean the same assets); the changes are parts a later one can join (``BulkIn``).
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import roles
from dam.models import Asset

from .. import describing, trash
from . import permissions, selectors
from .metadata_in import CollectionField, MetadataSetIn, Strict, _keywords, move_check
from .serializers import AssetListQuery
from .views import _errors, _valid

#: The most assets one call may name; a search may match up to ``QUERY_MAX``.
IDS_MAX, QUERY_MAX = 1000, 5000


class BulkQuery(Strict, AssetListQuery):
    """The list's search, strictly: a misspelt parameter must not select everything."""


class Selection(Strict):
    """Which assets: ``ids`` or the list's ``query``, one of them (a bulk edit's, a
    download's)."""
    ids = serializers.ListField(child=serializers.UUIDField(), required=False,
                                allow_empty=False, max_length=IDS_MAX,
                                help_text=f"The assets, at most {IDS_MAX:,}; unknown ids "
                                          "and assets in collections where you may not "
                                          "do this are left out.")
    query = BulkQuery(required=False, help_text=(
        f"Every asset this search of the list endpoint matches (at most {QUERY_MAX:,})."))

    def validate(self, attrs):
        if ("ids" in attrs) == ("query" in attrs):
            raise serializers.ValidationError("Select the assets with ids or with a query "
                                              "(one of them).")
        return attrs


class BulkIn(Selection):
    """Which assets (``ids`` or ``query``) and what to change on each (at least one of
    ``set``, ``append``, ``add_keywords``, ``remove_keywords``, ``collection``), or
    instead ``trash`` (with ``force``) or ``restore`` (``ids`` only)."""
    set = MetadataSetIn(required=False, help_text="Field -> new value, as in a PATCH.")
    append = MetadataSetIn(required=False, help_text=(
        "Field -> text added after the current value: after a newline in caption, "
        "copyright, usage terms and instructions, else after a space; nothing when the "
        "value already ends with it. Not date_created."))
    add_keywords = _keywords("Keywords each asset gets.", default=list)
    remove_keywords = _keywords("Keywords each asset loses (any case).", default=list)
    collection = CollectionField(help_text="Move each asset into this collection (its id); "
                                           "you need the right to edit there.")
    trash = serializers.BooleanField(
        required=False, default=False,
        help_text="Move each asset to the trash instead (the right to delete there): 409 "
                  "names the assets that pages use, and nothing is moved, unless force.")
    force = serializers.BooleanField(required=False, default=False,
                                     help_text="With trash: delete even the assets in use.")
    restore = serializers.BooleanField(
        required=False, default=False,
        help_text="Bring each asset (ids, from GET /api/trash/) back from the trash instead.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["action"] = _action(attrs)
        if attrs["action"] != "edit_metadata":
            return attrs
        attrs["edit"] = describing.bulk_edit_clean(
            set=attrs.get("set", {}), append=attrs.get("append", {}),
            add_keywords=attrs["add_keywords"], remove_keywords=attrs["remove_keywords"],
            collection=attrs["collection"].pk if attrs.get("collection") else None)
        return attrs


_EDITS = ("set", "append", "add_keywords", "remove_keywords", "collection")


def _action(attrs: dict) -> str:
    """The ``dam.roles`` action the request needs: ``delete_asset`` to trash or
    restore (alone: no change beside them), else ``edit_metadata``."""
    if attrs["force"] and not attrs["trash"]:
        raise serializers.ValidationError({"force": ["Force goes with trash."]})
    if not (attrs["trash"] or attrs["restore"]):
        return "edit_metadata"
    if attrs["trash"] and attrs["restore"]:
        raise serializers.ValidationError("Trash or restore, not both.")
    if mixed := [name for name in _EDITS if attrs.get(name)]:
        raise serializers.ValidationError(f"Trash and restore go alone, without "
                                          f"{', '.join(mixed)}.")
    if attrs["restore"] and "query" in attrs:
        raise serializers.ValidationError({"query": [
            "Restore takes ids (GET /api/trash/): the list's search leaves the trash out."]})
    return "delete_asset"


class BulkOut(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Assets selected.")
    updated = serializers.IntegerField(help_text="Assets that changed (the others were "
                                                 "left as they were).")
    ids = serializers.ListField(child=serializers.UUIDField(),
                                help_text="The ids of the assets that changed.")


class InUseAssetOut(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    pages = serializers.ListField(child=serializers.URLField(),
                                  help_text="The pages that use the asset.")


class BulkInUseOut(serializers.Serializer):
    error = serializers.CharField()
    in_use = InUseAssetOut(many=True, help_text="The selected assets that pages use.")


class _Allows(permissions.Allows):
    """POST for those who may edit or delete somewhere; ``BulkView`` then checks the
    body's own action (``_action``) and each asset's collection."""
    actions = {"POST": "edit_metadata"}

    def has_permission(self, request, view) -> bool:
        return (request.method == "POST" and roles.can(request.user, "delete_asset")
                or super().has_permission(request, view))


class BulkView(APIView):
    permission_classes = [_Allows]

    @extend_schema(operation_id="assets_bulk_update", request=BulkIn,
                   responses={200: BulkOut, 409: BulkInUseOut,
                              **_errors(400, 401, 403, 415, 429)},
                   summary="Change the description of many assets at once; each one's "
                           "history records it (editors). Or move them to the trash, or "
                           "back: 409 names those in use unless force")
    def post(self, request):
        body = _valid(BulkIn, request)
        if not roles.can(request.user, body["action"]):
            raise exceptions.PermissionDenied(roles.REFUSALS[body["action"]])
        move_check(request.user, body.get("collection"))
        pks = selectors.asset_pks_selected(user=request.user, ids=body.get("ids"),
                                           query=body.get("query"), limit=QUERY_MAX,
                                           action=body["action"], trashed=body["restore"])
        if len(pks) > QUERY_MAX:
            raise exceptions.ValidationError({"query": [
                f"This search matches more than {QUERY_MAX:,} assets; narrow it."]})
        if body["trash"]:
            return _trash(request, pks, force=body["force"])
        if body["restore"]:
            done = _uids(trash.assets_restore(asset_ids=pks, user=request.user))
        else:
            done = [a.uid for a in describing.metadata_bulk(asset_ids=pks, edit=body["edit"],
                                                           user=request.user)]
        return Response({"matched": len(pks), "updated": len(done), "ids": done})


def _uids(pks: list[int]) -> list:
    uids = dict(Asset.objects.filter(pk__in=pks).values_list("pk", "uid"))
    return [uids[pk] for pk in pks]


def _trash(request, pks: list[int], *, force: bool) -> Response:
    try:
        done = trash.assets_trash(asset_ids=pks, user=request.user, force=force)
    except trash.InUseMany as exc:
        titles = Asset.objects.in_bulk(list(exc.pages))
        return Response({"error": str(exc), "in_use": [
            {"id": titles[pk].uid, "title": str(titles[pk]), "pages": pages}
            for pk, pages in sorted(exc.pages.items())]}, status=status.HTTP_409_CONFLICT)
    return Response({"matched": len(pks), "updated": len(done), "ids": _uids(done)})
