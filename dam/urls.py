from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

dam_patterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("assets/<uuid:uid>/reprocess/", views.asset_reprocess, name="reprocess"),
    path("private/<stored:name>", views.original_file, name="original"),
]

urlpatterns = [
    path("", include((dam_patterns, "dam"))),
    path("", include("renditions.urls")),
    path("api/", include("renditions.api.urls")),  # after renditions.urls: it ends in a catch-all
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

