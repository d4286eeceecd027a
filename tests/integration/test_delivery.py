"""Delivery for downstream sites: srcset widths and formats of the stable URL,
frames of any size (signed or allowed), template tags, the JSON's srcset."""
from __future__ import annotations

import io
import time
import types
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from tests.integration.conftest import wide_subject

from dam.models import Asset
from dam.roles import ensure_roles
from renditions import delivery, editing, frames, selectors
from renditions.engine import rendering
from renditions.models import CropDecision, Frame, RenditionProfile

pytestmark = pytest.mark.django_db(transaction=True)


def _image(response) -> Image.Image:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Image.open(io.BytesIO(body))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def _stable(asset, profile="hero") -> str:
    return reverse("deliver", args=[asset.uid, profile])


# --- The stable URL: widths and formats ----------------------------------------

def test_a_profile_comes_in_its_srcset_widths_capped_by_the_crop(processed, client):
    hero = processed.renditions.get(profile__slug="hero")
    assert (hero.width, hero.height) == (1200, 675)
    # 0.5, 1, 1.5 and 2 times 1200, without upscaling past the 1200 px crop.
    assert delivery.srcset_widths(hero) == [600, 1200]
    half = client.get(_stable(processed) + "?w=600")
    assert half.status_code == 200 and half["Content-Type"] == "image/jpeg"
    assert _image(half).size == (600, 338)
    frame = Frame.objects.get(asset=processed, spec="hero@600.jpeg")
    assert frame.crop_box == hero.crop_box and frame.rendition == hero
    assert half["ETag"] == f'"{frame.key}"' and half["Cache-Control"] == "public, max-age=60"


def test_a_profile_of_its_own_widths_and_upscaling(processed):
    thumb = processed.renditions.get(profile__slug="thumb")  # exact 200x200 of an 800 px crop
    assert delivery.srcset_widths(thumb) == [100, 200, 300, 400]
    RenditionProfile.objects.filter(slug="thumb").update(srcset_widths="150, 900",
                                                         allow_upscale=True)
    thumb.profile.refresh_from_db()
    assert delivery.srcset_widths(thumb) == [150, 200, 900]


def test_a_width_off_the_ladder_is_refused_with_the_widths(processed, client):
    response = client.get(_stable(processed) + "?w=601")
    assert response.status_code == 403
    assert response.content.decode().strip() == (
        "This profile comes in widths 600, 1200; other sizes need a signed frame URL.")
    assert client.get(_stable(processed) + "?w=abc").status_code == 403
    assert client.get(_stable(processed) + "?fm=gif").status_code == 400
    assert not Frame.objects.exists()


@pytest.mark.parametrize("accept, served", [
    ("image/avif,image/webp,*/*", "avif"),
    ("image/webp,*/*;q=0.8", "webp"),
    ("image/avif;q=0,image/webp", "webp"),
    ("text/html,*/*", "jpeg"),
    ("", "jpeg"),
])
def test_the_stable_url_negotiates_the_format(processed, client, accept, served):
    response = client.get(_stable(processed), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == f"image/{served}"
    assert "accept" in _vary(response)
    image = _image(response)
    assert image.format == served.upper() and image.size == (1200, 675)


def test_an_explicit_format_does_not_vary_and_a_png_profile_stays_png(processed, client):
    response = client.get(_stable(processed) + "?fm=webp", HTTP_ACCEPT="image/avif")
    assert response["Content-Type"] == "image/webp" and "accept" not in _vary(response)
    RenditionProfile.objects.filter(slug="card").update(format="png")
    card = RenditionProfile.objects.get(slug="card")
    assert not delivery.negotiates(card)
    RenditionProfile.objects.filter(slug="hero").update(negotiate=False)
    response = client.get(_stable(processed), HTTP_ACCEPT="image/avif")
    assert response["Content-Type"] == "image/jpeg" and "accept" not in _vary(response)


def test_variants_are_made_once_and_validate(processed, client, monkeypatch):
    first = client.get(_stable(processed), HTTP_ACCEPT="image/avif")
    calls = []
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: calls.append(a) or [b""])
    again = client.get(_stable(processed), HTTP_ACCEPT="image/avif")
    assert calls == [] and again["ETag"] == first["ETag"]
    assert client.get(_stable(processed), HTTP_ACCEPT="image/avif",
                      HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(_stable(processed), HTTP_ACCEPT="image/avif",
                      HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    head = client.head(_stable(processed), HTTP_ACCEPT="image/avif")
    frame = Frame.objects.get(spec="hero@1200.avif")
    assert head.status_code == 200 and int(head["Content-Length"]) == frame.file.size
    own = client.get(frame.file.url)
    assert own.status_code == 200 and own["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_replaced_rendition_takes_its_variants_files_along(processed, client, editor):
    client.get(_stable(processed) + "?w=600")
    old = Frame.objects.get(spec="hero@600.jpeg")
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    hero = processed.renditions.get(profile__slug="hero")
    editing.focal_set(asset=processed, point=(0.1, 0.5), user=editor)
    from renditions import services
    services.asset_process(asset_id=processed.pk)
    assert not processed.renditions.filter(pk=hero.pk).exists()
    assert not Frame.objects.filter(pk=old.pk).exists() and not storage.exists(name)
    new = client.get(_stable(processed) + "?w=600")
    assert new.status_code == 200 and new["ETag"] != f'"{old.key}"'


# --- Frames of any size ----------------------------------------------------------

def _frame(asset, w, h) -> str:
    return reverse("deliver-frame", args=[asset.uid, w, h])


def test_an_unsigned_size_is_refused_unless_allowed(processed, client, settings):
    response = client.get(_frame(processed, 640, 360))
    assert response.status_code == 403
    assert response.content.decode().strip() == (
        "The size 640x360 needs a signed URL (manage.py signed_url) or a place in "
        "DAM['FRAME_SIZES'].")
    settings.DAM = {**getattr(settings, "DAM", {}), "FRAME_SIZES": ["640x360"]}
    response = client.get(_frame(processed, 640, 360), HTTP_ACCEPT="image/webp")
    assert response.status_code == 200 and _image(response).size == (640, 360)
    assert response["Content-Type"] == "image/webp" and "accept" in _vary(response)


def test_a_signed_frame_is_planned_rendered_once_and_stored(processed, client, monkeypatch):
    url = delivery.signed_url(processed.uid, 500, 500, fmt="png", absolute=False)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert _image(response).size == (500, 500)
    frame = Frame.objects.get(asset=processed)
    assert frame.spec == "500x500.png" and frame.rendition is None
    # The same plan as the square profile (same aspect, no editor crop): 800x800 px.
    square = processed.renditions.get(profile__slug="square")
    assert frame.crop_box == square.crop_box
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: pytest.fail("re-rendered"))
    assert client.get(url)["ETag"] == f'"{frame.key}"'


def test_a_frame_bigger_than_its_crop_keeps_the_aspect_without_upscaling(processed, client):
    url = delivery.signed_url(processed.uid, 2400, 1350, fmt="jpeg", absolute=False)
    assert _image(client.get(url)).size == (1200, 675)


def test_any_aspect_at_a_given_width(processed, client):
    url = delivery.signed_url(processed.uid, 300, aspect=(3, 1), absolute=False)
    assert "/300x100?" in url
    assert _image(client.get(url)).size == (300, 100)


@pytest.mark.parametrize("tamper", [
    lambda url: url.replace("500x500", "500x501"),
    lambda url: url.replace("fm=png", "fm=webp"),
    lambda url: url[:-1] + ("A" if url[-1] != "A" else "B"),
    lambda url: url.split("&s=")[0],
])
def test_a_tampered_signature_is_refused(processed, client, tamper):
    url = delivery.signed_url(processed.uid, 500, 500, fmt="png", absolute=False)
    response = client.get(tamper(url))
    assert response.status_code == 403 and response.content.decode().count("\n") == 1
    assert not Frame.objects.exists()


def test_a_signed_url_expires(processed, client, monkeypatch):
    url = delivery.signed_url(processed.uid, 320, 180, expires=60, absolute=False)
    assert client.get(url).status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(delivery, "time", types.SimpleNamespace(time=lambda: later))
    response = client.get(url)
    assert response.status_code == 403
    assert response.content.decode().strip() == "This signed URL has expired."
    exp = int(url.split("exp=")[1].split("&")[0])
    assert client.get(url.replace(f"exp={exp}", f"exp={exp + 3600}")).status_code == 403


def test_a_frame_follows_the_editors_focal_point_and_replaces_the_old_one(
        processed, client, editor):
    url = delivery.signed_url(processed.uid, 300, 600, fmt="jpeg", absolute=False)
    client.get(url)
    old = Frame.objects.get()
    name = old.file.name
    editing.focal_set(asset=processed, point=(0.1, 0.5), user=editor)
    client.get(url)
    new = Frame.objects.get()
    assert new.key != old.key and not old.file.storage.exists(name)
    x0, _, x1, _ = new.crop_box
    assert x0 == 0 and x1 - x0 == 400  # the largest 1:2 box, moved as far left as it goes


def test_a_frame_of_a_profiles_aspect_takes_the_editors_crop(processed, client, editor):
    box = [0.25, 0.1, 0.65, 0.4375]  # 480x270 px of 1200x800: 16:9
    editing.crop_set(asset=processed, profile=RenditionProfile.objects.get(slug="hero"),
                     box=box, user=editor)
    assert CropDecision.objects.get(profile__slug="hero").box == box
    client.get(delivery.signed_url(processed.uid, 320, 180, fmt="jpeg", absolute=False))
    assert Frame.objects.get().crop_box == (300, 80, 780, 350)


def test_a_frame_of_an_asset_not_analysed_yet_is_404(editor, default_profiles, client,
                                                    monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dam import services as dam_services
    from tests.conftest import make_photo

    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    asset = dam_services.asset_create(file=SimpleUploadedFile("a.jpg", make_photo(320, 240)),
                                      uploaded_by=editor)
    response = client.get(delivery.signed_url(asset.uid, 100, 100, absolute=False))
    assert response.status_code == 404
    with pytest.raises(frames.NotReady):
        frames.frame_ensure(asset=asset, width=100, height=100, fmt="jpeg")


@pytest.mark.parametrize("size", [(0, 10), (5000, 100)])
def test_sizes_out_of_bounds_are_refused_even_signed(processed, client, size):
    with pytest.raises(ValueError):
        delivery.signed_url(processed.uid, *size)
    response = client.get(_frame(processed, *size) + "?s=whatever")
    assert response.status_code in (403, 404)  # 0 px never matches the URL pattern


def test_the_signed_url_command_prints_a_working_url(processed, client, capsys, settings):
    settings.SALIENT_PUBLIC_URL = "https://dam.example.org"
    call_command("signed_url", str(processed.uid), "400x300", "--format", "webp",
                 "--expires", "3600")
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"https://dam.example.org/d/{processed.uid}/400x300?fm=webp&exp=")
    response = client.get(_path(url))
    assert response.status_code == 200 and _image(response).size == (400, 300)
    call_command("signed_url", str(processed.uid), "400", "--aspect", "2:1")
    assert "/400x200?s=" in capsys.readouterr().out
    from django.core.management import CommandError
    for bad in (["nope", "400x300"], [str(processed.uid), "400"],
                [str(processed.uid), "400x300x2"]):
        with pytest.raises(CommandError):
            call_command("signed_url", *bad)


# --- The API and the JSON ------------------------------------------------------------

def test_the_api_signs_frame_urls_for_viewers(processed, django_user_model):
    url = reverse("api-asset-frame-url", args=[processed.uid])
    anonymous = APIClient().get(url, {"size": "400x300"})
    assert anonymous.status_code == 401
    viewer = django_user_model.objects.create_user("vi", password="pw")
    viewer.groups.add(ensure_roles()["Viewers"])
    client = APIClient()
    client.force_login(viewer)
    body = client.get(url, {"width": 600, "aspect": "16:9", "fm": "avif"}).json()
    assert (body["width"], body["height"]) == (600, 338)
    assert body["url"].startswith("http://testserver/d/")
    image = _image(client.get(_path(body["url"])))
    assert image.format == "AVIF" and image.size == (600, 338)
    for bad in ({"size": "400"}, {"width": 400}, {"size": "9000x10"}, {"size": "4x4",
                                                                       "fm": "gif"}):
        response = client.get(url, bad)
        assert response.status_code == 400 and response.json()["error"], bad


def test_the_json_gives_srcset_sources_and_object_position(processed, client, editor):
    editing.focal_set(asset=processed, point=(0.5, 0.5), user=editor)
    from renditions import services
    services.asset_process(asset_id=processed.pk)
    hero = client.get(reverse("asset-json", args=[processed.uid])).json()["renditions"]["hero"]
    stable = f"http://testserver{_stable(processed)}"
    assert hero["url"] == stable and hero["widths"] == [600, 1200]
    assert hero["srcset"] == f"{stable}?w=600 600w, {stable}?w=1200 1200w"
    assert hero["sources"] == {
        "image/avif": f"{stable}?w=600&fm=avif 600w, {stable}?w=1200&fm=avif 1200w",
        "image/webp": f"{stable}?w=600&fm=webp 600w, {stable}?w=1200&fm=webp 1200w"}
    x0, y0, x1, y1 = hero["crop_box"]
    assert hero["object_position"] == (f"{round((600 - x0) / (x1 - x0) * 100, 1):g}% "
                                       f"{round((400 - y0) / (y1 - y0) * 100, 1):g}%")
    for entry in hero["srcset"].split(", ") + hero["sources"]["image/webp"].split(", "):
        url, width = entry.split(" ")
        assert _image(client.get(_path(url))).width == int(width[:-1])


# --- Template tags --------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _render(source: str, **context) -> str:
    return Template("{% load salient %}" + source).render(Context(context))


def test_salient_img_gives_srcset_sizes_and_object_position(processed, editor):
    processed.alt_text = 'A lighthouse "at dusk"'
    processed.save()
    editing.focal_set(asset=processed, point=(0.7, 0.4), user=editor)
    from renditions import services
    services.asset_process(asset_id=processed.pk)
    hero = processed.renditions.get(profile__slug="hero")
    html = _render('{% salient_img asset "hero" sizes="(min-width: 800px) 50vw, 100vw" '
                   'class_="wide" %}', asset=processed)
    [(tag, attrs)] = _Tags(html).tags
    url = _stable(processed)
    assert tag == "img" and attrs == {
        "src": url, "srcset": f"{url}?w=600 600w, {url}?w=1200 1200w",
        "sizes": "(min-width: 800px) 50vw, 100vw", "width": "1200", "height": "675",
        "alt": 'A lighthouse "at dusk"', "loading": "lazy", "decoding": "async",
        "class": "wide", "style": "object-position: "
        + delivery.object_position(processed.analysis, hero.crop_box, (1200, 800))}
    x0, _, x1, _ = hero.crop_box
    expected_x = round(min(1, max(0, (840 - x0) / (x1 - x0))) * 100, 1)
    assert attrs["style"].startswith(f"object-position: {expected_x:g}% ")


def test_salient_picture_offers_avif_and_webp_before_the_jpeg(processed):
    html = _render('{% salient_picture asset "hero" %}', asset=processed)
    tags = _Tags(html).tags
    assert [t for t, _ in tags] == ["picture", "source", "source", "img"]
    url = _stable(processed)
    assert tags[1][1] == {"type": "image/avif", "sizes": "100vw",
                          "srcset": f"{url}?w=600&fm=avif 600w, {url}?w=1200&fm=avif 1200w"}
    assert tags[2][1]["type"] == "image/webp"
    assert tags[3][1]["src"] == f"{url}?fm=jpeg"
    assert tags[3][1]["srcset"] == f"{url}?fm=jpeg&w=600 600w, {url}?fm=jpeg&w=1200 1200w"


@pytest.mark.parametrize("creator, credit, line", [
    ("Jane Doe", "Reuters", "Jane Doe / Reuters"), ("", "Reuters", "Reuters"),
    ("AP", "AP", "AP"), ("Jane <b>Doe</b>", "", "Jane &lt;b&gt;Doe&lt;/b&gt;")])
def test_salient_picture_captions_with_the_credit_line(processed, creator, credit, line):
    Asset.objects.filter(pk=processed.pk).update(
        creator=creator, credit=credit, caption="Fishermen & the pier", alt_text="A pier")
    processed.refresh_from_db()
    html = _render('{% salient_picture asset "hero" caption=True %}', asset=processed)
    assert html.startswith("<figure><picture>") and html.endswith("</figcaption></figure>")
    assert ('<figcaption><span class="salient-caption">Fishermen &amp; the pier</span> '
            f'<span class="salient-credit">{line}</span></figcaption>') in html
    assert 'alt="A pier"' in html
    assert "<figure>" not in _render('{% salient_picture asset "hero" %}', asset=processed)


def test_the_tags_give_nothing_before_a_rendition_exists(processed):
    assert _render('{% salient_img asset "nope" %}{% salient_picture asset "nope" %}',
                   asset=processed) == ""


# --- Composition: zoom, alignment, pad ---------------------------------------------------

def _pixels(response):
    import numpy as np

    return np.asarray(_image(response).convert("RGB")).astype(int)


def test_a_padded_profile_keeps_the_whole_subject_and_fills_the_rest(processed, client):
    from renditions import services

    analysis = wide_subject(processed)
    tall = RenditionProfile.objects.create(slug="tall", name="Tall", aspect_width=9,
                                           aspect_height=16, max_width=450, format="png",
                                           pad="#ff0000")
    services.renditions_ensure(asset=processed, analysis=analysis, profiles=[tall])
    rendition = processed.renditions.get(profile=tall)
    assert (rendition.width, rendition.height) == (450, 800)
    x0, y0, x1, y1 = rendition.crop_box
    assert x0 <= 120 and x1 >= 1080  # the band is whole: 10-90 % of 1200 px
    cx0, cy0, cx1, cy1 = rendition.content
    assert (cx0, cx1) == (0, 450) and 0 < cy0 < cy1 < 800
    for response in (client.get(_stable(processed, "tall")),
                     client.get(_stable(processed, "tall") + "?w=225")):
        pixels = _pixels(response)
        top = pixels[: pixels.shape[0] * cy0 // 800 - 1]
        assert len(top) > 50 and (top == (255, 0, 0)).all()  # the bar above the photo, at every width
        assert pixels.shape[:2] in ((800, 450), (400, 225))
    plans = selectors.plans_preview(asset=processed)
    assert plans["tall"]["padded"] == "#ff0000" and plans["hero"]["padded"] == ""


def test_frames_take_zoom_alignment_and_pad_from_a_signed_url(processed, client):
    def frame(**controls):
        url = delivery.signed_url(processed.uid, 300, 300, fmt="png", absolute=False,
                                  compose=delivery.Composition(**controls))
        response = client.get(url)
        assert response.status_code == 200, response.content
        return url, Frame.objects.order_by("-pk").first()

    _, plain = frame()
    _, close = frame(zoom=1.0)
    assert close.crop_box[2] - close.crop_box[0] < plain.crop_box[2] - plain.crop_box[0]
    assert close.spec == "300x300-z1.0.png"
    wide_subject(processed)
    url, padded = frame(pad="#00ff00", align="centre")
    assert padded.spec == "300x300-centre-00ff00.png"
    pixels = _pixels(client.get(url))
    assert (pixels[:20] == (0, 255, 0)).all() and not (pixels[140:160] == (0, 255, 0)).all()
    for tampered in (url.replace("align=centre", "align=thirds"), url.replace("pad=%2300ff00",
                                                                              "pad=blur")):
        assert client.get(tampered).status_code == 403


def test_composition_on_an_allowed_size_still_needs_a_signature(processed, client, settings):
    settings.DAM = {**getattr(settings, "DAM", {}), "FRAME_SIZES": ["320x180"]}
    url = reverse("deliver-frame", args=[processed.uid, 320, 180])
    assert client.get(url).status_code == 200
    refused = client.get(url + "?align=thirds")
    assert refused.status_code == 403 and "with z, align or pad" in refused.content.decode()
    assert client.get(url + "?z=2&s=x").content.decode().strip() == (
        "z (zoom) is between 0 and 1.")


def test_the_api_and_the_command_give_composed_frames(processed, client, capsys,
                                                      django_user_model):
    viewer = django_user_model.objects.create_user("vi", password="pw")
    viewer.groups.add(ensure_roles()["Viewers"])
    api = APIClient()
    api.force_login(viewer)
    url = reverse("api-asset-frame-url", args=[processed.uid])
    body = api.get(url, {"size": "400x200", "z": 0.5, "align": "thirds", "pad": "blur"}).json()
    assert "z=0.5" in body["url"] and "align=thirds" in body["url"] and "pad=blur" in body["url"]
    assert _image(client.get(_path(body["url"]))).size == (400, 200)
    assert api.get(url, {"size": "400x200", "pad": "red"}).status_code == 400
    call_command("signed_url", str(processed.uid), "400x200", "--align", "centre", "--zoom",
                 "0.25")
    printed = capsys.readouterr().out.strip()
    assert "align=centre" in printed and "z=0.25" in printed
    assert client.get(_path(printed)).status_code == 200


def test_a_profile_refuses_bad_composition_with_a_reason(processed, django_user_model):
    from django.core.exceptions import ValidationError

    profile = RenditionProfile(slug="odd", name="Odd", aspect_width=1, aspect_height=1,
                               pad="red")
    with pytest.raises(ValidationError, match="Pad is 'blur' or a colour"):
        profile.clean()
    profile.pad, profile.align = "", "middle"
    with pytest.raises(ValidationError, match="Align is one of auto, centre, thirds"):
        profile.clean()
    assert "align" not in RenditionProfile(aspect_width=1, aspect_height=1).spec  # old keys stay


def test_frames_are_listed_in_the_admin_read_only(processed, client, admin_client):
    client.get(_stable(processed) + "?w=600")
    page = admin_client.get(reverse("admin:renditions_frame_changelist"))
    assert page.status_code == 200 and "hero@600.jpeg" in page.content.decode()
    frame = Frame.objects.get()
    assert admin_client.post(reverse("admin:renditions_frame_delete", args=[frame.pk]),
                             {"post": "yes"}).status_code == 403
    assert Frame.objects.filter(pk=frame.pk).exists()
