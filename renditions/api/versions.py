"""Replacing an asset's file and its previous versions (``renditions.replacing``):

* ``POST /api/assets/<id>/file`` (multipart ``file``; editors): a new original, same id
  and URLs; 202, the renditions are remade;
* ``GET /api/assets/<id>/versions`` (viewers): the previous originals, newest first;
* ``POST /api/assets/<id>/versions/<n>/restore`` (editors): version n is the original
  again, the current one becomes a version;
* ``GET /api/assets/<id>/versions/<n>/file`` (those who may download originals): the
  version's file, private, never cached.

Versions are private: none of this is delivered publicly.
"""
from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dam.conf import dam_setting
from dam.models import Asset, AssetVersion

from .. import replacing
from . import permissions
from . import views as v


class FileIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False,
                                 help_text="The new original: checked as an upload is.")


class VersionOut(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()
    download = serializers.SerializerMethodField(
        help_text="The version's file (for those who may download originals).")

    class Meta:
        model = AssetVersion
        fields = ["number", "original_filename", "format", "sha256", "size_bytes", "width",
                  "height", "created_at", "created_by", "download"]
        read_only_fields = fields

    def get_download(self, version) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-asset-version-file", args=[version.asset.uid, version.number]))


class ReplacedOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    version = VersionOut(help_text="The previous original, kept.")
    restored_from = serializers.IntegerField(allow_null=True)
    aspect_kept = serializers.BooleanField(
        help_text="Same aspect ratio within 1 %: the editor's decisions carried over.")
    focal = serializers.CharField(allow_null=True,
                                  help_text='The editor\'s focal point: "kept", "reset" '
                                            '(automatic again) or "restored"; null: none.')
    crops = serializers.DictField(child=serializers.CharField(),
                                  help_text='Profile -> "kept", "reset" or "restored".')
    reviews_reopened = serializers.ListField(child=serializers.CharField())
    filled = serializers.ListField(child=serializers.CharField(),
                                   help_text="Empty fields filled from the new file.")


class VersionPagination(PageNumberPagination):
    """Pages of ``DAM["PAGE_SIZE"]``, as the asset list; ``?page_size=`` up to 100."""
    page_size_query_param = "page_size"
    max_page_size = 100

    @property
    def page_size(self) -> int:
        return dam_setting("PAGE_SIZE")


def _answer(request, replaced: replacing.Replaced) -> Response:
    asset = replaced.asset
    version = VersionOut(replaced.version, context={"request": request}).data
    return Response({"id": asset.uid, "status": asset.status, **replaced.summary(),
                     "version": version}, status=status.HTTP_202_ACCEPTED)


def _version(asset: Asset, number: int) -> AssetVersion:
    version = asset.versions.filter(number=number).first()
    if version is None:
        raise exceptions.NotFound("No such version of this asset.")
    return version


class FileView(APIView):
    permission_classes = [permissions.allows(POST="edit_metadata")]
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="assets_replace", request={"multipart/form-data": FileIn},
                   responses={202: ReplacedOut,
                              **v._errors(400, 401, 403, 404, 409, 415, 429,
                                          e409="The file was replaced meanwhile.")},
                   summary="Replace the asset's original, keeping its id and URLs; the "
                           "previous one becomes a version (editors)")
    def post(self, request, uid):
        asset = v._asset(request, uid, "edit_metadata")
        body = v._valid(FileIn, request)
        return _answer(request, replacing.asset_replace(asset=asset, file=body["file"],
                                                        user=request.user))


class VersionListView(GenericAPIView):
    permission_classes = [permissions.allows(GET="view")]
    pagination_class = VersionPagination
    serializer_class = VersionOut

    @extend_schema(operation_id="assets_versions_list",
                   responses={200: VersionOut(many=True), **v._errors(401, 403, 404)},
                   summary="The asset's previous originals, newest first (viewers)")
    def get(self, request, uid):
        asset = v._asset(request, uid)
        page = self.paginate_queryset(asset.versions.select_related("asset", "created_by"))
        data = VersionOut(page, many=True, context={"request": request}).data
        response = self.get_paginated_response(data)
        response["Cache-Control"] = "private, no-cache"  # per-user data: no shared cache
        return response


class VersionRestoreView(APIView):
    permission_classes = [permissions.allows(POST="edit_metadata")]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body is read: any will do

    @extend_schema(operation_id="assets_versions_restore", request=None,
                   responses={202: ReplacedOut,
                              **v._errors(400, 401, 403, 404, 409, 429,
                                          e404="No such asset or version.")},
                   summary="Make a previous original current again; the current one "
                           "becomes a version (editors)")
    def post(self, request, uid, number):
        asset = v._asset(request, uid, "edit_metadata")
        version = _version(asset, number)
        return _answer(request, replacing.version_restore(version=version, user=request.user))


class VersionFileView(APIView):
    permission_classes = [permissions.allows(GET="download_original")]

    @extend_schema(operation_id="assets_versions_file",
                   responses={(200, "application/octet-stream"): OpenApiResponse(
                       description="The version's file, as an attachment."),
                       **v._errors(401, 403, 404, e404="No such asset or version.")},
                   summary="Download a previous original (those who may download originals)")
    def get(self, request, uid, number):
        asset = v._asset(request, uid, "download_original")
        version = _version(asset, number)
        response = FileResponse(version.file.open("rb"), as_attachment=True,
                                filename=version.original_filename)
        response["Cache-Control"] = "private, no-store"
        return response
