"""The API's endpoints: the one door for every change, ours and downstream sites'.

The editor's pages call these endpoints with their session (and CSRF token);
sites call them with a token. Each maps its methods to a ``dam.roles`` action
(``.permissions``) and every error has one shape (``.errors``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import roles
from dam import selectors as dam_selectors
from dam import services as dam_services
from dam import usages as dam_usages
from dam.conf import dam_setting
from dam.models import Asset, Collection

from .. import delivery, describing, editing, frames, print_frames, responses
from .. import selectors as rendition_selectors
from .. import services
from ..models import EditEvent, RenditionProfile
from . import metadata_in as m
from . import permissions, search, selectors
from . import serializers as s

ERRORS = {
    400: "The input is wrong; `fields` names what.",
    401: "No valid token or session.",
    403: "The caller's role does not allow this (or the session's CSRF token is missing).",
    404: "No such asset or profile.",
    409: "The asset is not analysed yet, or a reviewer approved this crop.",
    415: "The body is not of the type the endpoint takes.",
    429: "Too many writes from this user or address; Retry-After says when to try again.",
}


def _errors(*codes: int, **described: str) -> dict:
    """Error responses for the schema; ``e404="..."`` words one for this endpoint."""
    return {code: OpenApiResponse(s.ErrorOut, description=described.get(f"e{code}",
                                                                         ERRORS[code]))
            for code in codes}


def _described(request, assets) -> list[dict]:
    """The JSON of ``assets`` (a queryset), in a fixed number of queries."""
    described = rendition_selectors.assets_described(assets)
    return s.AssetSerializer(described, many=True, context={"request": request}).data


def _valid(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _asset(request, uid, action: str = "view") -> Asset:
    """The asset ``uid`` for ``action``: 404 unless the user may view its collection
    (its existence is not theirs to know), 403 unless they may do ``action`` there."""
    assets = dam_selectors.assets_visible(
        user=request.user, assets=Asset.objects.select_related("analysis", "collection"))
    asset = assets.filter(uid=uid).first()
    if asset is None:
        raise exceptions.NotFound("No asset with this id.")
    _check(request, asset, action)
    return asset


def _check(request, asset: Asset, action: str) -> None:
    if not roles.can(request.user, action, collection=asset.collection):
        raise exceptions.PermissionDenied(roles.REFUSALS[action])


def _analysed(request, uid, action: str) -> Asset:
    asset = _asset(request, uid, action)
    if not hasattr(asset, "analysis"):
        raise editing.Conflict("This asset has not been analysed yet; "
                               "wait for processing to finish.")
    return asset


def _profile(slug: str) -> RenditionProfile:
    profile = RenditionProfile.objects.filter(slug=slug).first()
    if profile is None:
        raise exceptions.NotFound(f"No rendition profile {slug!r}.")
    return profile


class AssetPagination(PageNumberPagination):
    """Pages of ``DAM["PAGE_SIZE"]`` assets (the library's); ``?page_size=`` up to 100."""
    page_size_query_param = "page_size"
    max_page_size = 100

    @property
    def page_size(self) -> int:
        return dam_setting("PAGE_SIZE")

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = search.facets_schema()
        return paginated


class AssetListView(GenericAPIView):
    permission_classes = [permissions.allows(GET="view", POST="upload")]
    pagination_class = AssetPagination
    parser_classes = [MultiPartParser]
    serializer_class = s.AssetSerializer

    @extend_schema(operation_id="assets_list", parameters=[s.AssetListQuery],
                   responses={200: s.AssetSerializer(many=True),
                              **_errors(400, 401, 403, 404, e404="No such page.")},
                   summary="List assets, newest first or best match first (viewers)")
    def get(self, request):
        query = s.AssetListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        with_facets = query.validated_data.pop("facets")
        found = dam_selectors.assets_visible(
            user=request.user, assets=selectors.asset_sync_list(**query.validated_data))
        page = self.paginate_queryset(rendition_selectors.assets_described(found))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        if with_facets:
            response.data["facets"] = rendition_selectors.library_facets(found)
        return response

    @extend_schema(operation_id="assets_upload", request={"multipart/form-data": s.UploadIn},
                   responses={201: s.UploadOut,
                              400: OpenApiResponse(s.UploadFailedOut, "No file was stored."),
                              **_errors(401, 403, 415, 429)},
                   summary="Upload one or several photos (editors)")
    def post(self, request):
        body = _valid(s.UploadIn, request)
        body["collection"] = body["collection"] or Collection.root()
        if not roles.can(request.user, "upload", collection=body["collection"]):
            raise exceptions.ValidationError({"collection": [
                f"You may not upload into “{body['collection'].label}”; choose a collection "
                "you may upload into."]})
        created, refused = _create_all(request, body)
        created = Asset.objects.filter(pk__in=[a.pk for a in created]).order_by("id")
        data = {"created": _described(request, created), "errors": refused}
        if created:
            return Response(data, status=status.HTTP_201_CREATED)
        error = " ".join(r["error"] for r in refused)
        return Response({"error": error, **data}, status=status.HTTP_400_BAD_REQUEST)


def _create_all(request, body) -> tuple[list[Asset], list[dict]]:
    """Store each file on its own, as the upload page does; one bad file leaves the rest."""
    created, refused = [], []
    for file in body["files"]:
        try:
            created.append(dam_services.asset_create(
                file=file, uploaded_by=request.user, title=body["title"],
                alt_text=body["alt_text"], collection=body["collection"],
                allow_duplicate=False, template=body["template"]))
        except dam_services.DuplicateAsset as exc:
            refused.append(_refusal(file, exc, exc.existing.uid))
        except ValidationError as exc:
            refused.append(_refusal(file, exc))
    return created, refused


def _refusal(file, exc: ValidationError, existing=None) -> dict:
    return {"file": file.name, "error": " ".join(exc.messages), "existing": existing}


class RootView(APIView):
    """Where the endpoints are, as DRF's browsable root has it: anyone may ask."""
    permission_classes = [permissions.PublicRead]
    LINKS = {"assets": "api-assets", "keywords": "api-keywords", "profiles": "api-profiles",
             "collections": "api-collections", "licences": "api-licences",
             "schema": "api-schema", "docs": "api-docs"}

    @extend_schema(operation_id="root", responses={200: s.RootOut},
                   auth=[{"tokenAuth": []}, {"cookieAuth": []}, {}],
                   summary="The API's endpoints (anyone)")
    def get(self, request):
        return Response({key: request.build_absolute_uri(reverse(name))
                         for key, name in self.LINKS.items()})


class AssetDetailView(APIView):
    """The delivery JSON: anyone with the id; logged-in viewers get the private fields.
    Editors change its description with PATCH (and delete it: ``trash.AssetView``).
    An asset in the trash answers 404."""
    permission_classes = [permissions.allows(GET=None, PATCH="edit_metadata")]

    @extend_schema(operation_id="assets_retrieve",
                   responses={200: s.AssetSerializer, **_errors(404)},
                   auth=[{"tokenAuth": []}, {"cookieAuth": []}, {}],
                   summary="One asset and its renditions (anyone with the id)")
    def get(self, request, uid):
        asset = rendition_selectors.assets_described(
            Asset.objects.filter(uid=uid, deleted_at__isnull=True)).first()
        if asset is None:
            raise exceptions.NotFound("No asset with this id.")
        response = Response(s.AssetSerializer(asset, context={"request": request,
                                                              "element": True}).data)
        return responses.tagged(response, [f"asset-{uid}"])  # purged with its files

    @extend_schema(operation_id="assets_update", request=m.MetadataIn,
                   responses={200: s.AssetSerializer, **_errors(400, 401, 403, 404, 415, 429)},
                   summary="Change an asset's description and keywords; recorded in its "
                           "history (editors)")
    def patch(self, request, uid):
        asset = _asset(request, uid, "edit_metadata")
        changes = _valid(m.MetadataIn, request)
        collection = changes.pop("collection", None)
        m.move_check(request.user, collection)
        describing.metadata_set(asset=asset, changes=changes, user=request.user,
                                collection=collection and collection.pk)
        return self.get(request, uid)


class KeywordsView(APIView):
    permission_classes = [permissions.allows(GET="view")]

    @extend_schema(operation_id="keywords_list", parameters=[m.KeywordsQuery],
                   responses={200: m.KeywordsOut, **_errors(400, 401, 403)},
                   summary="Keywords starting with q, most used first, for autocomplete "
                           "(viewers)")
    def get(self, request):
        query = m.KeywordsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = dam_selectors.keyword_suggestions(user=request.user,
                                                  prefix=query.validated_data["q"],
                                                  limit=query.validated_data["limit"])
        return Response({"results": found})


class RegenerateView(APIView):
    permission_classes = [permissions.allows(POST="regenerate")]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body is read: any will do

    @extend_schema(operation_id="assets_regenerate", request=None,
                   responses={202: s.RegenerateOut, **_errors(401, 403, 404, 429)},
                   summary="Process an asset again (editors)")
    def post(self, request, uid):
        asset = _asset(request, uid, "regenerate")
        dam_services.asset_enqueue(asset=asset)
        return Response({"id": asset.uid, "status": Asset.Status.QUEUED},
                        status=status.HTTP_202_ACCEPTED)


class FocalView(APIView):
    permission_classes = [permissions.allows(POST="edit")]

    @extend_schema(operation_id="assets_focal", request=s.FocalIn,
                   responses={200: s.FocalOut, **_errors(400, 401, 403, 404, 409, 415, 429)},
                   summary="Set the focal point, or reset it to automatic (editors)")
    def post(self, request, uid):
        asset = _analysed(request, uid, "edit")
        body = _valid(s.FocalIn, request)
        point = None if body["reset"] else (body["x"], body["y"])
        analysis = editing.focal_set(asset=asset, point=point, user=request.user)
        return Response({"focal": [analysis.focal_x, analysis.focal_y],
                         "focal_origin": analysis.focal_origin})


class CropView(APIView):
    permission_classes = [permissions.allows(POST="edit")]

    @extend_schema(operation_id="assets_crop", request=s.CropIn,
                   responses={200: s.CropOut, **_errors(400, 401, 403, 404, 409, 415, 429)},
                   summary="Override one profile's crop, or clear the override (editors)")
    def post(self, request, uid, profile):
        asset, profile = _asset(request, uid, "edit"), _profile(profile)
        body = _valid(s.CropIn, request)
        box = None if body["reset"] else body["box"]
        decision = editing.crop_set(asset=asset, profile=profile, box=box, user=request.user)
        return Response({"box": decision.box})


class ReviewView(APIView):
    permission_classes = [permissions.allows(POST="review")]

    @extend_schema(operation_id="assets_review", request=s.ReviewState,
                   responses={200: s.ReviewState, **_errors(400, 401, 403, 404, 415, 429)},
                   summary="Approve a rendition's crop, ask for work, or reopen it (reviewers)")
    def post(self, request, uid, profile):
        asset, profile = _asset(request, uid, "review"), _profile(profile)
        body = _valid(s.ReviewState, request)
        decision = editing.review_set(asset=asset, profile=profile, review=body["review"],
                                      user=request.user)
        return Response({"review": decision.review})


class PlansView(APIView):
    permission_classes = [permissions.allows(GET="view")]

    @extend_schema(operation_id="assets_plans", parameters=[s.PlansQuery],
                   responses={200: s.PlansOut, **_errors(400, 401, 403, 404, 409)},
                   summary="Where each profile would crop, for a focal point (viewers)")
    def get(self, request, uid):
        asset = _analysed(request, uid, "view")
        query = s.PlansQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        point = query.validated_data.get("point")
        plans = rendition_selectors.plans_preview(asset=asset, focal_point=point)
        response = Response({"plans": plans})
        response["Cache-Control"] = "private, no-cache"  # per-user data: no shared cache
        return response


class RevertView(APIView):
    permission_classes = [permissions.allows(POST="view")]  # the event's kind decides
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # no body is read: any will do

    @extend_schema(operation_id="assets_revert", request=None,
                   responses={200: s.RevertOut, **_errors(401, 403, 404, 409, 429)},
                   summary="Undo one change of the history (editors; reviews: reviewers)")
    def post(self, request, uid, event_id):
        asset = _asset(request, uid)
        event = EditEvent.objects.filter(pk=event_id, asset=asset).first()
        if event is None:
            raise exceptions.NotFound("No such change in this asset's history.")
        _check(request, asset, editing.revert_action(event))
        if event.kind == EditEvent.Kind.METADATA and "collection" in event.before:
            m.move_check(request.user, Collection.objects.filter(
                pk=event.before["collection"]).first())
        editing.edit_revert(event=event, user=request.user)
        return Response({"reverted": event.pk})


class FrameUrlView(APIView):
    permission_classes = [permissions.allows(GET="view")]  # signing hands out rendering work

    @extend_schema(operation_id="assets_frame_url", parameters=[s.FrameUrlQuery],
                   responses={200: s.FrameUrlOut, **_errors(400, 401, 403, 404)},
                   summary="A signed URL for a frame of any size (viewers); with used_on, "
                           "records where it is used (editors, sites)")
    def get(self, request, uid):
        asset = _asset(request, uid)
        query = s.FrameUrlQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        if q["used_on"]:
            _check(request, asset, "record_usage")
        compose = delivery.Composition(q["z"], q["align"], q["pad"])
        try:
            if q["print"]:
                wanted, path = print_frames.api_url(asset.uid, q, compose)
                (width, height), name = wanted.size, wanted.label
                extra = {"dpi": wanted.dpi, **frames.print_resolution(asset, wanted, compose)}
            else:
                width, height = delivery.frame_size(q["width"], q["height"], aspect=q["aspect"])
                path = delivery.signed_url(asset.uid, width, height, fmt=q["fm"],
                                           expires=q["expires"], absolute=False,
                                           compose=compose)
                name, extra = f"{width}x{height}", {}
        except ValueError as exc:
            raise exceptions.ValidationError({"size": [str(exc)]}) from None
        if q["used_on"]:
            dam_usages.usage_record(asset=asset, url=q["used_on"], site=q["site"],
                                    rendition=name, user=request.user)
        return Response({"url": request.build_absolute_uri(path), "width": width,
                         "height": height, **extra})


class ProfileListView(APIView):
    permission_classes = [permissions.allows(GET="view", POST="add_profile")]

    @extend_schema(operation_id="profiles_list",
                   responses={200: s.ProfileSerializer(many=True), **_errors(401, 403)},
                   summary="The rendition profiles (viewers)")
    def get(self, request):
        profiles = RenditionProfile.objects.order_by("slug")
        return Response(s.ProfileSerializer(profiles, many=True).data)

    @extend_schema(operation_id="profiles_create", request=s.ProfileSerializer,
                   responses={201: s.ProfileCreatedOut, **_errors(400, 401, 403, 415, 429)},
                   summary="Add a profile; an active one is rendered for every asset")
    def post(self, request):
        body = s.ProfileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():  # the backfill is queued once the profile is committed
            profile = body.save()
            queued = services.profile_backfill(profile=profile) if profile.is_active else 0
        data = {**s.ProfileSerializer(profile).data, "queued": queued}
        return Response(data, status=status.HTTP_201_CREATED)
