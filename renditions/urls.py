from django.urls import path

# The delivery JSON, /api/assets/<uuid>/ (name "asset-json"), is renditions.api's now.

from . import editor_views, views

urlpatterns = [
    path("assets/<uuid:uid>/", editor_views.asset_detail, name="asset"),
    path("d/<uuid:uid>/<int:width>x<int:height>", views.deliver_frame, name="deliver-frame"),
    path("d/<uuid:uid>/<slug:profile>", views.deliver, name="deliver"),
    path("media/<stored:name>", views.rendition_file, name="rendition-file"),
    path("api/assets/<uuid:uid>/plans", editor_views.plans, name="asset-plans"),
    path("assets/<uuid:uid>/focal", editor_views.focal, name="asset-focal"),
    path("assets/<uuid:uid>/crops/<slug:profile>", editor_views.crop, name="asset-crop"),
    path("assets/<uuid:uid>/review/<slug:profile>", editor_views.review, name="asset-review"),
    path("assets/<uuid:uid>/heatmap.png", editor_views.heatmap_png, name="asset-heatmap"),
    path("assets/<uuid:uid>/preview.jpg", editor_views.preview_jpg, name="asset-preview"),
    path("history/<int:event_id>/revert", editor_views.revert, name="edit-revert"),
    path("review/", editor_views.review_queue, name="review-queue"),
]
