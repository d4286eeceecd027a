"""The licences an asset can be under: the list admins keep (``dam.models.Licence``),
read here so that a client knows the names ``licence`` takes in a PATCH."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dam.models import Licence

from . import permissions


class LicenceOut(serializers.ModelSerializer):
    class Meta:
        model = Licence
        fields = ["id", "name", "description"]


class LicenceListView(APIView):
    permission_classes = [permissions.allows(GET="view")]

    @extend_schema(operation_id="licences_list", responses={200: LicenceOut(many=True)},
                   summary="The licences editors choose from, by name (viewers)")
    def get(self, request):
        return Response(LicenceOut(Licence.objects.all(), many=True).data)
