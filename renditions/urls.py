from django.urls import path

from . import pages, views

urlpatterns = [
    path("", pages.library, name="library"),
    path("assets/<uuid:uid>/", pages.asset_detail, name="asset"),
    path("assets/<uuid:uid>/heatmap.png", pages.heatmap_png, name="asset-heatmap"),
    path("assets/<uuid:uid>/preview.jpg", pages.preview_jpg, name="asset-preview"),
    path("assets/<uuid:uid>/renditions/<slug:profile>", pages.rendition_preview,
         name="asset-rendition"),
    path("review/", pages.review_queue, name="review-queue"),
    path("trash/", pages.trash_list, name="trash"),
    path("d/<uuid:uid>/<int:width>x<int:height>", views.deliver_frame, name="deliver-frame"),
    path("d/<uuid:uid>/<slug:profile>", views.deliver, name="deliver"),
    path("media/<stored:name>", views.rendition_file, name="rendition-file"),
]
