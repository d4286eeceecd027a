"""Where sites use an asset: ``/api/assets/<id>/usages`` (list: viewers; record:
``record_usage``, editors and the tokens sites use) and ``…/usages/<id>`` (remove).

Recording is idempotent: the same page, asset and rendition again answers 200 and
only refreshes ``last_seen_at``, so a site may record on every publish. The frame-URL
call (``views.FrameUrlView``) records one too, given ``used_on``.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import usages as dam_usages
from dam.models import Usage

from ..models import FRAME_SIZE, RenditionProfile
from . import permissions
from . import serializers as s
from . import views as v

def rendition_valid(value: str) -> str:
    """A profile's slug, a frame size ("800x450") or "" (not said)."""
    if value and not FRAME_SIZE.fullmatch(value) and not RenditionProfile.objects.filter(
            slug=value).exists():
        raise serializers.ValidationError(
            f"No rendition profile {value!r}; give a profile's slug (GET /api/profiles/), "
            "a frame size like 800x450, or nothing.")
    return value


class UsageIn(serializers.Serializer):
    url = s.page_url_field(help_text="The page that shows the asset: http or https.")
    site = serializers.CharField(max_length=255, required=False, default="", allow_blank=True,
                                 help_text='The site: "www.example.com" or a name.')
    rendition = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        validators=[rendition_valid],
        help_text='What the page shows: a profile\'s slug or a frame size ("800x450").')


class UsageOut(serializers.ModelSerializer):
    class Meta:
        model = Usage
        fields = ["id", "url", "site", "rendition", "created_at", "last_seen_at"]
        read_only_fields = fields


class UsageListView(APIView):
    permission_classes = [permissions.allows(GET="view", POST="record_usage")]

    @extend_schema(operation_id="assets_usages_list",
                   responses={200: UsageOut(many=True), **v._errors(401, 403, 404)},
                   summary="Where the asset is used, most recently seen first (viewers)")
    def get(self, request, uid):
        asset = v._asset(request, uid)
        response = Response(UsageOut(dam_usages.usages_of(asset=asset), many=True).data)
        response["Cache-Control"] = "private, no-cache"  # per-user data: no shared cache
        return response

    @extend_schema(operation_id="assets_usages_record", request=UsageIn,
                   responses={201: UsageOut, 200: UsageOut,
                              **v._errors(400, 401, 403, 404, 415, 429)},
                   summary="Record that a page uses the asset; 200 and last_seen_at "
                           "refreshed when it was recorded already (editors, sites)")
    def post(self, request, uid):
        asset = v._asset(request, uid, "record_usage")
        body = v._valid(UsageIn, request)
        usage, created = dam_usages.usage_record(asset=asset, user=request.user, **body)
        return Response(UsageOut(usage).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class UsageDetailView(APIView):
    permission_classes = [permissions.allows(DELETE="record_usage")]

    @extend_schema(operation_id="assets_usages_remove", request=None,
                   responses={204: None, **v._errors(401, 403, 404, 429)},
                   summary="Forget one usage: the page no longer shows the asset "
                           "(editors, sites)")
    def delete(self, request, uid, usage_id):
        asset = v._asset(request, uid, "record_usage")
        usage = Usage.objects.filter(pk=usage_id, asset=asset).first()
        if usage is None:
            raise exceptions.NotFound("No such usage of this asset.")
        dam_usages.usage_remove(usage=usage)
        return Response(status=status.HTTP_204_NO_CONTENT)

