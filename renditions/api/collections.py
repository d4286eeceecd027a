"""The library's collections: the tree a user may see, and new collections (admins).

Who may see and change what in a collection is granted per group in the admin
(``dam.models.CollectionGrant``); these endpoints only read and grow the tree.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dam import selectors as dam_selectors
from dam import services as dam_services
from dam.models import Collection

from . import permissions


class CollectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    label = serializers.CharField(help_text="The name under its parents': 'Sport / Football'.")
    depth = serializers.IntegerField(help_text="1 for the root, 'Library'.")
    parent = serializers.IntegerField(allow_null=True)
    assets = serializers.IntegerField(help_text="Assets in this collection itself.")


class CollectionIn(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Collection.objects.all(), required=False, default=None, allow_null=True,
        help_text="The parent's id; default: the root.")


class CollectionListView(APIView):
    permission_classes = [permissions.allows(GET="view", POST="add_collection")]

    @extend_schema(operation_id="collections_list", responses={200: CollectionOut(many=True)},
                   summary="The collections you may view, in tree order (viewers)")
    def get(self, request):
        return Response(CollectionOut(dam_selectors.collection_rows(user=request.user),
                                      many=True).data)

    @extend_schema(operation_id="collections_create", request=CollectionIn,
                   responses={201: CollectionOut},
                   summary="Add a collection (administrators)")
    def post(self, request):
        body = CollectionIn(data=request.data)
        body.is_valid(raise_exception=True)
        parent = body.validated_data["parent"] or Collection.root()
        try:
            created = dam_services.collection_create(name=body.validated_data["name"],
                                                     parent=parent)
        except ValidationError as exc:
            raise exceptions.ValidationError({"name": exc.messages}) from None
        row = next(r for r in dam_selectors.collection_rows(user=request.user)
                   if r["id"] == created.pk)
        return Response(CollectionOut(row).data, status=status.HTTP_201_CREATED)
