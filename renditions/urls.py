from django.urls import path

from . import views

urlpatterns = [
    path("d/<uuid:uid>/<slug:profile>", views.deliver, name="deliver"),
    path("api/assets/<uuid:uid>/", views.asset_json, name="asset-json"),
]
