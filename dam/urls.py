from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

dam_patterns = [
    path("upload/", views.upload, name="upload"),
    path("private/<stored:name>", views.original_file, name="original"),
]

handler500 = "dam.views.server_error_json"

urlpatterns = [
    path("", include((dam_patterns, "dam"))),
    path("", include("renditions.urls")),
    path("api/", include("renditions.api.urls")),  # after renditions.urls: it ends in a catch-all
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

