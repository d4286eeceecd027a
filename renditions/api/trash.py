"""The trash through the API (``renditions.trash``, ``renditions.purge``):
``DELETE /api/assets/<id>/`` moves an asset there (editors; 409 naming the pages
that use it unless ``?force=true``), ``GET /api/trash/`` lists it,
``POST /api/assets/<id>/restore`` brings one back, and ``DELETE /api/trash/<id>``
deletes one for good at once (administrators). The Trash page calls these.
"""
from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import selectors as dam_selectors
from dam.conf import dam_setting
from dam.models import Asset

from .. import editing, purge, trash
from . import permissions
from . import views as v

FORCE = OpenApiParameter("force", bool, description="Delete even when sites use the asset "
                         "(the 409's pages).")


class TrashedOut(serializers.ModelSerializer):
    """An asset in the trash: enough to tell it apart and to restore it."""

    id = serializers.UUIDField(source="uid")
    filename = serializers.CharField(source="original_filename")
    deleted_by = serializers.CharField(source="deleted_by.get_username", default=None)
    purge_after = serializers.SerializerMethodField(
        help_text="When it is deleted for good (UTC): DAM['TRASH_DAYS'] after deleted_at.")

    class Meta:
        model = Asset
        fields = ["id", "title", "filename", "width", "height", "deleted_at", "deleted_by",
                  "purge_after"]
        read_only_fields = fields

    def get_purge_after(self, asset) -> str:
        return (asset.deleted_at + timedelta(days=dam_setting("TRASH_DAYS"))).isoformat()


class InUseOut(serializers.Serializer):
    error = serializers.CharField()
    pages = serializers.ListField(child=serializers.URLField(),
                                  help_text="The pages that use the asset.")


def _force(request) -> bool:
    return request.query_params.get("force", "").lower() in ("1", "true", "yes")


def _trashed(request, uid, action: str) -> Asset:
    """The asset ``uid`` in the trash: 404 unless the user may view it there, 403
    unless they may do ``action``."""
    asset = dam_selectors.assets_visible(
        user=request.user, trashed=True,
        assets=Asset.objects.select_related("collection", "deleted_by")).filter(uid=uid).first()
    if asset is None:
        raise exceptions.NotFound("No asset with this id in the trash.")
    v._check(request, asset, action)
    return asset


class AssetView(v.AssetDetailView):
    """``/api/assets/<id>/`` (``asset-json``): the delivery JSON and its PATCH
    (``views.AssetDetailView``), and DELETE, to the trash."""
    permission_classes = [permissions.allows(GET=None, PATCH="edit_metadata",
                                             DELETE="delete_asset")]

    @extend_schema(operation_id="assets_delete", parameters=[FORCE], request=None,
                   responses={200: TrashedOut, 409: InUseOut, **v._errors(401, 403, 404, 429)},
                   summary="Move an asset to the trash; 409 names the pages that use it "
                           "unless force (editors)")
    def delete(self, request, uid):
        asset = v._asset(request, uid, "delete_asset")
        try:
            asset = trash.asset_trash(asset=asset, user=request.user, force=_force(request))
        except trash.InUse as exc:
            return Response({"error": str(exc), "pages": exc.pages},
                            status=status.HTTP_409_CONFLICT)
        return Response(TrashedOut(asset).data)


class TrashListView(GenericAPIView):
    permission_classes = [permissions.allows(GET="delete_asset")]
    pagination_class = v.AssetPagination
    serializer_class = TrashedOut

    @extend_schema(operation_id="trash_list",
                   responses={200: TrashedOut(many=True), **v._errors(401, 403, 404)},
                   summary="The assets in the trash, most recently deleted first (editors)")
    def get(self, request):
        found = dam_selectors.assets_visible(
            user=request.user, action="delete_asset", trashed=True,
            assets=Asset.objects.select_related("deleted_by")).order_by("-deleted_at", "-id")
        page = self.paginate_queryset(found)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response["Cache-Control"] = "private, no-cache"
        return response


class RestoreView(APIView):
    permission_classes = [permissions.allows(POST="delete_asset")]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body is read: any will do

    @extend_schema(operation_id="assets_restore", request=None,
                   responses={200: v.s.AssetSerializer, **v._errors(401, 403, 404, 409, 429)},
                   summary="Bring an asset back from the trash, delivery included (editors)")
    def post(self, request, uid):
        asset = _trashed(request, uid, "delete_asset")
        try:
            trash.asset_restore(asset=asset, user=request.user)
        except trash.Purging as exc:
            raise editing.Conflict(str(exc)) from None
        return AssetView().get(request, uid)


class TrashDetailView(APIView):
    permission_classes = [permissions.allows(DELETE="purge_asset")]

    @extend_schema(operation_id="trash_purge", request=None,
                   responses={204: None, **v._errors(401, 403, 404, 429)},
                   summary="Delete an asset in the trash for good, now: every row and "
                           "file (administrators)")
    def delete(self, request, uid):
        asset = _trashed(request, uid, "purge_asset")
        purge.asset_purge(asset_id=asset.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
