"""The API under /api/ (dam.urls includes it by name, after renditions.urls).

``asset-json`` keeps the delivery JSON's old name and path: sites rely on it.
"""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import (bulk, collections, docs, downloads, errors, licences, trash, usages, versions,
               views)

urlpatterns = [
    path("", views.RootView.as_view(), name="api-root"),
    path("assets/", views.AssetListView.as_view(), name="api-assets"),
    path("assets/bulk", bulk.BulkView.as_view(), name="api-assets-bulk"),
    path("assets/download", downloads.DownloadView.as_view(), name="api-assets-download"),
    path("assets/<uuid:uid>/", trash.AssetView.as_view(), name="asset-json"),
    path("assets/<uuid:uid>/restore", trash.RestoreView.as_view(), name="api-asset-restore"),
    path("assets/<uuid:uid>/regenerate", views.RegenerateView.as_view(),
         name="api-asset-regenerate"),
    path("assets/<uuid:uid>/focal", views.FocalView.as_view(), name="api-asset-focal"),
    path("assets/<uuid:uid>/crops/<slug:profile>", views.CropView.as_view(),
         name="api-asset-crop"),
    path("assets/<uuid:uid>/review/<slug:profile>", views.ReviewView.as_view(),
         name="api-asset-review"),
    path("assets/<uuid:uid>/plans", views.PlansView.as_view(), name="api-asset-plans"),
    path("assets/<uuid:uid>/history/<int:event_id>/revert", views.RevertView.as_view(),
         name="api-asset-revert"),
    path("assets/<uuid:uid>/frame-url", views.FrameUrlView.as_view(), name="api-asset-frame-url"),
    path("assets/<uuid:uid>/usages", usages.UsageListView.as_view(), name="api-asset-usages"),
    path("assets/<uuid:uid>/usages/<int:usage_id>", usages.UsageDetailView.as_view(),
         name="api-asset-usage"),
    path("trash/", trash.TrashListView.as_view(), name="api-trash"),
    path("trash/<uuid:uid>", trash.TrashDetailView.as_view(), name="api-trash-asset"),
    path("assets/<uuid:uid>/file", versions.FileView.as_view(), name="api-asset-file"),
    path("assets/<uuid:uid>/versions", versions.VersionListView.as_view(),
         name="api-asset-versions"),
    path("assets/<uuid:uid>/versions/<int:number>/restore", versions.VersionRestoreView.as_view(),
         name="api-asset-version-restore"),
    path("assets/<uuid:uid>/versions/<int:number>/file", versions.VersionFileView.as_view(),
         name="api-asset-version-file"),
    path("keywords/", views.KeywordsView.as_view(), name="api-keywords"),
    path("profiles/", views.ProfileListView.as_view(), name="api-profiles"),
    path("collections/", collections.CollectionListView.as_view(), name="api-collections"),
    path("licences/", licences.LicenceListView.as_view(), name="api-licences"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs.DocsView.as_view(), name="api-docs"),
    re_path(r"^.+$", errors.not_found, name="api-not-found"),  # last: JSON for any other path
]
