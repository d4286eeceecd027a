"""Frame URLs: any size (WxH pixels, or width and aspect) or a print frame (WxHmm
with dpi and an ICC profile) in; the signed URL out."""
from __future__ import annotations

from django.core.validators import URLValidator
from rest_framework import serializers

from ...engine import composition, printing
from ...engine.encoding import FORMATS
from ...models import FRAME_SIZE, PRINT_SIZE


def page_url_field(**kwargs) -> serializers.CharField:
    """A web page's URL: http or https, at most 2000 characters (a usage's ``url``)."""
    return serializers.CharField(max_length=2000, validators=[URLValidator(
        schemes=["http", "https"], message="Enter a page's URL: http:// or https://.")],
        **kwargs)


class FrameUrlQuery(serializers.Serializer):
    size = serializers.RegexField(rf"^({FRAME_SIZE.pattern}|{PRINT_SIZE.pattern})$",
                                  required=False, help_text="WxH in pixels, e.g. 800x450; or "
                                  "WxHmm for a print frame, e.g. 90.5x60mm, with dpi.")
    width = serializers.IntegerField(required=False, min_value=1,
                                     help_text="With aspect, instead of size.")
    aspect = serializers.RegexField(r"^[1-9][0-9]*:[1-9][0-9]*$", required=False,
                                    help_text="A:B, e.g. 16:9, with width.")
    fm = serializers.ChoiceField(FORMATS, required=False, default=None, allow_null=True,
                                 help_text="Fixed format (``format`` is DRF's own); without "
                                           "it the Accept header of whoever fetches the URL "
                                           "picks one.")
    expires = serializers.IntegerField(required=False, default=None, allow_null=True,
                                       min_value=1, help_text="Seconds the URL works.")
    z = serializers.FloatField(required=False, default=0.0, min_value=0.0, max_value=1.0,
                               help_text="Zoom toward the subject, 0-1.")
    align = serializers.ChoiceField(composition.ALIGNS, required=False, default="auto",
                                    help_text="Where the subject sits in the frame.")
    pad = serializers.RegexField(r"^(blur|#[0-9a-fA-F]{6})$", required=False, default="",
                                 help_text="Pad instead of cutting the subject: 'blur' or "
                                           "'#rrggbb'.")
    dpi = serializers.IntegerField(required=False, default=None, allow_null=True,
                                   min_value=printing.DPI_MIN, max_value=printing.DPI_MAX,
                                   help_text="Print (size in mm): dots per inch; default 300.")
    icc = serializers.SlugField(required=False, default="", allow_blank=True,
                                help_text="Print: an ICC output profile's slug; CMYK.")
    intent = serializers.ChoiceField(list(printing.INTENTS), required=False, default="",
                                     allow_blank=True, help_text="Print, with icc: the "
                                     "rendering intent (default DAM['PRINT_INTENT']).")
    used_on = page_url_field(
        required=False, default="",
        help_text="The page that will show the frame: records it as a usage of the asset "
                  "(GET /api/assets/<id>/usages), rendition WxH; needs the right to record "
                  "usages (editors, sites).")
    site = serializers.CharField(max_length=255, required=False, default="", allow_blank=True,
                                 help_text="With used_on: the site, e.g. www.example.com.")

    def validate(self, attrs):
        attrs["print"] = PRINT_SIZE.fullmatch(attrs.get("size", ""))
        if attrs["print"] is None and (attrs["dpi"] or attrs["icc"] or attrs["intent"]):
            raise serializers.ValidationError("dpi, icc and intent go with a size in mm.")
        if attrs["print"]:
            attrs.update(width=None, height=None, aspect=None)
        elif "size" in attrs:
            w, h = FRAME_SIZE.fullmatch(attrs["size"]).groups()
            attrs.update(width=int(w), height=int(h), aspect=None)
        elif "width" in attrs and "aspect" in attrs:
            a, b = attrs["aspect"].split(":")
            attrs.update(height=None, aspect=(int(a), int(b)))
        else:
            raise serializers.ValidationError("Give size (WxH), or width and aspect.")
        return attrs


class FrameUrlOut(serializers.Serializer):
    url = serializers.URLField(help_text="Signed; works for anyone who has it.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    dpi = serializers.IntegerField(required=False, help_text="Print frames only.")
    effective_dpi = serializers.IntegerField(
        required=False, help_text="Print frames of an analysed asset: the original's pixels "
                                  "per inch of print in the planned crop; under dpi where "
                                  "the crop is enlarged to the size.")
    enlarged = serializers.BooleanField(
        required=False, help_text="Print frames of an analysed asset: the crop has fewer "
                                  "pixels than the size asks for and is enlarged.")
