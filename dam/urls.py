from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve

from . import views

dam_patterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload, name="upload"),
    path("assets/<uuid:uid>/", views.asset_detail, name="asset"),
    path("assets/<uuid:uid>/reprocess/", views.asset_reprocess, name="reprocess"),
]

urlpatterns = [
    path("", include((dam_patterns, "dam"))),
    path("", include("renditions.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # The embedded default serves its own media; production puts files on S3.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve,
                               {"document_root": settings.MEDIA_ROOT}))
