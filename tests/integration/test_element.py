"""The <salient-img> element's server side (renditions.element): the ``element``
object of the asset JSON (summary and the bounded ladder of signed frames), its
template tag, the demo page, CORS on the JSON and the script, and the setting's check."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from renditions import delivery, editing, element
from renditions.engine.summary import decode_marginal
from renditions.models import Frame, RenditionProfile
from tests.integration._api import _client, no_queue  # noqa: F401  (no_queue: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
ELSEWHERE = "https://news.example.org"


def _json(asset, client=None, **headers):
    return (client or APIClient()).get(reverse("asset-json", args=[asset.uid]), **headers)


def _whole(box, size=(1200, 800)) -> bool:
    """The whole photo (px), but for a pixel of the frame's aspect's rounding."""
    x0, y0, x1, y1 = box
    return 0 <= x0 <= 1 and 0 <= y0 <= 1 and x1 <= size[0] and y1 <= size[1] and (
        x1 - x0 >= size[0] - 1 and y1 - y0 >= size[1] - 1)


def test_anyone_gets_the_summary_and_a_bounded_ladder_of_signed_frames(processed):
    got = _json(processed).json()["element"]
    summary = got["summary"]
    assert len(json.dumps(summary, separators=(",", ":"))) <= 2048
    assert summary["size"] == [1200, 800] and summary["focal"]["origin"] == "auto"
    assert len(decode_marginal(summary["cols"])) == 129  # the 128-cell map's columns + 1
    assert summary["crops"] == [] and "profile" not in json.dumps(summary)
    assert [(f["width"], f["height"]) for f in got["frames"]] == [
        (320, 213), (640, 427), (960, 640), (1200, 800)]
    for frame in got["frames"]:
        assert "s=" in frame["url"] and "whole=1" in frame["url"]
        assert _whole(frame["box"])
    small = urlsplit(got["frames"][0]["url"])
    answer = Client().get(f"{small.path}?{small.query}")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("image/")
    assert list(Frame.objects.get(asset=processed).crop_box) == got["frames"][0]["box"]
    for query in ("", "whole=1", small.query.replace("whole=1", "whole=0")):
        assert Client().get(f"{small.path}?{query}").status_code == 403  # signed, or nothing


def test_the_list_and_other_answers_leave_it_out(processed, users):
    listed = _client(users["viewer"]).get(reverse("api-assets")).json()["results"][0]
    assert "element" not in listed


def test_the_summary_carries_the_editors_word(processed, editor):
    editing.focal_set(asset=processed, point=[0.25, 0.5], user=editor)
    square = RenditionProfile.objects.get(slug="square")
    editing.crop_set(asset=processed, profile=square, box=[0.1, 0.1, 0.5, 0.7], user=editor)
    summary = _json(processed).json()["element"]["summary"]
    assert summary["focal"] == {"x": 0.25, "y": 0.5, "origin": "editor"}
    assert summary["crops"] == [{"aspect": [1, 1], "box": [0.1, 0.1, 0.5, 0.7]}]


def test_nothing_while_the_rights_withhold_it(processed):
    processed.embargo_until = timezone.now() + timedelta(days=2)
    processed.save()
    assert _json(processed).json()["element"] is None
    assert element.element_description(processed) is None


def test_other_origins_may_read_the_json_only(processed, settings):
    answer = _json(processed, HTTP_ORIGIN=ELSEWHERE)
    assert answer["Access-Control-Allow-Origin"] == ELSEWHERE
    assert "Access-Control-Allow-Credentials" not in answer
    listed = APIClient().get(reverse("api-assets"), HTTP_ORIGIN=ELSEWHERE)
    assert "Access-Control-Allow-Origin" not in listed
    preflight = APIClient().options(reverse("asset-json", args=[processed.uid]),
                                    HTTP_ORIGIN=ELSEWHERE,
                                    HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH")
    assert "Access-Control-Allow-Origin" not in preflight
    settings.DAM = {**getattr(settings, "DAM", {}), "ELEMENT_CORS": False}
    assert "Access-Control-Allow-Origin" not in _json(processed, HTTP_ORIGIN=ELSEWHERE)


def test_the_script_is_served_to_any_origin(client):
    answer = client.get("/static/salient/salient-img.js", HTTP_ORIGIN=ELSEWHERE)
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "*"
    assert "javascript" in answer["Content-Type"]


def _render(source: str, **context) -> str:
    return Template("{% load salient_element %}" + source).render(Context(context))


def test_the_template_tag_puts_the_summary_inline_with_a_fallback(processed):
    html = _render('{% salient_element asset alt="A lighthouse" class_="hero" %}',
                   asset=processed)
    assert html.startswith("<salient-img ") and html.endswith("</salient-img>")
    assert f'/api/assets/{processed.uid}/"' in html and 'alt="A lighthouse"' in html
    assert 'width="640"' in html and 'height="427"' in html and 'class="hero"' in html
    inline = json.loads(html.split('summary="')[1].split('"')[0].replace("&quot;", '"'))
    served = _json(processed).json()["element"]
    assert inline["summary"] == served["summary"]
    assert [f["box"] for f in inline["frames"]] == [f["box"] for f in served["frames"]]
    fallback = html.split("<img")[1]
    assert "object-fit: cover; object-position: " in fallback and "/d/" in fallback
    assert "<img" not in _render("{% salient_element asset fallback=False %}", asset=processed)
    assert 'type="module"' in _render("{% salient_element_script %}")


def test_the_template_tag_gives_nothing_under_embargo(processed):
    processed.embargo_until = timezone.now() + timedelta(days=2)
    processed.save()
    assert _render("{% salient_element asset %}", asset=processed) == ""


def test_the_demo_page_is_for_viewers(processed, users):
    url = reverse("asset-element", args=[processed.uid])
    assert Client().get(url).status_code == 302  # to the login page
    viewer = Client()
    viewer.force_login(users["viewer"])
    page = viewer.get(url)
    assert page.status_code == 200 and page.content.count(b"<salient-img") == 5


def test_a_bad_ladder_fails_the_checks(settings):
    settings.DAM = {**getattr(settings, "DAM", {}), "ELEMENT_WIDTHS": [0, 640]}
    with pytest.raises(SystemCheckError, match="renditions.E025"):
        call_command("check")


def test_the_ladder_is_bounded_and_never_wider_than_the_original():
    assert element.ladder(5000, 1000) == [(320, 64), (640, 128), (960, 192), (1280, 256),
                                          (1920, 384), (2560, 512), (4096, 819)]
    assert element.ladder(300, 200) == [(300, 200)]
    assert element.ladder(1000, 8000) == [(320, 2560), (512, 4096)]


def test_the_ladder_stays_whole_under_a_crop_of_the_photos_own_aspect(processed, editor):
    plain = RenditionProfile.objects.create(name="Plain 3:2", slug="plain", aspect_width=3,
                                            aspect_height=2, max_width=900)
    editing.crop_set(asset=processed, profile=plain, box=[0.2, 0.2, 0.6, 0.6], user=editor)
    got = _json(processed).json()["element"]
    assert got["summary"]["crops"] == [{"aspect": [3, 2], "box": [0.2, 0.2, 0.6, 0.6]}]
    assert all(_whole(f["box"]) for f in got["frames"])
    url = urlsplit(got["frames"][3]["url"])  # 1200 x 800
    assert Client().get(f"{url.path}?{url.query}").status_code == 200
    assert Frame.objects.get(asset=processed).crop_box == (0, 0, 1200, 800)
    # the same size without whole=1 is the editor's crop, as any frame of the aspect is
    cropped = urlsplit(delivery.signed_url(processed.uid, 640, 427, absolute=False))
    assert Client().get(f"{cropped.path}?{cropped.query}").status_code == 200
    assert Frame.objects.filter(asset=processed, crop_x0=240).exists()
