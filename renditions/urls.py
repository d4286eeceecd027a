from django.urls import path, register_converter

from . import element_page, pages, views


class MillimetresConverter:
    """A length in a print URL ("90", "90.5"), kept as text for ``print_frames``."""
    regex = r"[0-9]{1,6}(?:\.[0-9]{1,4})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(MillimetresConverter, "mm")

urlpatterns = [
    # Delivery first: the URLs a CDN and every page's images ask for most.
    path("d/<uuid:uid>/<int:width>x<int:height>", views.deliver_frame, name="deliver-frame"),
    path("d/<uuid:uid>/<mm:width>x<mm:height>mm", views.deliver_print, name="deliver-print"),
    path("d/<uuid:uid>/<slug:profile>", views.deliver, name="deliver"),
    path("", pages.library, name="library"),
    path("assets/<uuid:uid>/", pages.asset_detail, name="asset"),
    path("assets/<uuid:uid>/heatmap.png", pages.heatmap_png, name="asset-heatmap"),
    path("assets/<uuid:uid>/preview.jpg", pages.preview_jpg, name="asset-preview"),
    path("assets/<uuid:uid>/renditions/<slug:profile>", pages.rendition_preview,
         name="asset-rendition"),
    path("assets/<uuid:uid>/element", element_page.asset_element, name="asset-element"),
    path("review/", pages.review_queue, name="review-queue"),
    path("trash/", pages.trash_list, name="trash"),
    path("media/<stored:name>", views.rendition_file, name="rendition-file"),
]
