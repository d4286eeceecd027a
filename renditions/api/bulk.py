"""Bulk edits: one call changes the description of many assets, each recorded in its
own history (``renditions.describing.metadata_bulk``).

The selection is a list of ids or a search (the list endpoint's own query, so both
mean the same assets); the changes are parts a later one can join (``BulkIn``).
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import describing
from . import permissions, selectors
from .metadata_in import CollectionField, MetadataSetIn, Strict, _keywords, move_check
from .serializers import AssetListQuery
from .views import _errors, _valid

#: The most assets one call may name; a search may match up to ``QUERY_MAX``.
IDS_MAX, QUERY_MAX = 1000, 5000


class BulkQuery(Strict, AssetListQuery):
    """The list's search, strictly: a misspelt parameter must not select everything."""


class BulkIn(Strict):
    """Which assets (``ids`` or ``query``) and what to change on each (at least one of
    ``set``, ``append``, ``add_keywords``, ``remove_keywords``)."""
    ids = serializers.ListField(child=serializers.UUIDField(), required=False,
                                allow_empty=False, max_length=IDS_MAX,
                                help_text=f"The assets, at most {IDS_MAX:,}; unknown ids "
                                          "and assets in collections where you may not "
                                          "edit are left out of `matched`.")
    query = BulkQuery(required=False, help_text=(
        f"Every asset this search of the list endpoint matches (at most {QUERY_MAX:,})."))
    set = MetadataSetIn(required=False, help_text="Field -> new value, as in a PATCH.")
    append = MetadataSetIn(required=False, help_text=(
        "Field -> text added after the current value: after a newline in caption, "
        "copyright, usage terms and instructions, else after a space; nothing when the "
        "value already ends with it. Not date_created."))
    add_keywords = _keywords("Keywords each asset gets.", default=list)
    remove_keywords = _keywords("Keywords each asset loses (any case).", default=list)
    collection = CollectionField(help_text="Move each asset into this collection (its id); "
                                           "you need the right to edit there.")

    def validate(self, attrs):
        if ("ids" in attrs) == ("query" in attrs):
            raise serializers.ValidationError("Select the assets with ids or with a query "
                                              "(one of them).")
        attrs["edit"] = describing.bulk_edit_clean(
            set=attrs.get("set", {}), append=attrs.get("append", {}),
            add_keywords=attrs["add_keywords"], remove_keywords=attrs["remove_keywords"],
            collection=attrs["collection"].pk if attrs.get("collection") else None)
        return attrs


class BulkOut(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Assets selected.")
    updated = serializers.IntegerField(help_text="Assets that changed (the others were "
                                                 "left as they were).")
    ids = serializers.ListField(child=serializers.UUIDField(),
                                help_text="The ids of the assets that changed.")


class BulkView(APIView):
    permission_classes = [permissions.allows(POST="edit_metadata")]

    @extend_schema(operation_id="assets_bulk_update", request=BulkIn,
                   responses={200: BulkOut, **_errors(400, 401, 403, 415, 429)},
                   summary="Change the description of many assets at once; each one's "
                           "history records it (editors)")
    def post(self, request):
        body = _valid(BulkIn, request)
        move_check(request.user, body.get("collection"))
        pks = selectors.asset_pks_selected(user=request.user, ids=body.get("ids"),
                                           query=body.get("query"), limit=QUERY_MAX)
        if len(pks) > QUERY_MAX:
            raise exceptions.ValidationError({"query": [
                f"This search matches more than {QUERY_MAX:,} assets; narrow it."]})
        changed = describing.metadata_bulk(asset_ids=pks, edit=body["edit"],
                                           user=request.user)
        return Response({"matched": len(pks), "updated": len(changed),
                         "ids": [a.uid for a in changed]})
