"""A frame's decode starts as soon as the frame is known to be missing, before
its box and plan (``frames._decode_ahead``), and gives the pixels that a decode
after the plan gives; an editor's box that needs more px is decoded again."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from django.db import connections
from PIL import Image

from renditions import delivery, editing, frames
from renditions.engine import rendering
from renditions.models import Frame, RenditionProfile

pytestmark = pytest.mark.django_db


def _pixels(frame: Frame) -> np.ndarray:
    with frame.file.open("rb") as fp:
        return np.asarray(Image.open(fp).convert("RGB"))


def test_a_frame_decoded_ahead_has_the_pixels_of_one_decoded_after_its_plan(processed,
                                                                            monkeypatch):
    real = rendering.render_file
    monkeypatch.setattr(rendering, "render_file", lambda *a, **k: pytest.fail("decoded twice"))
    ahead = frames.frame_ensure(asset=processed, width=300, height=200, fmt="png")
    Frame.objects.all().delete()
    monkeypatch.setattr(rendering, "render_file", real)
    monkeypatch.setattr(frames, "_decode_ahead", lambda *a: None)  # decoded after the plan
    after = frames.frame_ensure(asset=processed, width=300, height=200, fmt="png")
    assert (ahead.width, ahead.height) == (after.width, after.height) == (300, 200)
    assert np.array_equal(_pixels(ahead), _pixels(after))


def test_a_frame_whose_box_comes_from_its_plan_alone_is_not_decoded_ahead(processed):
    zoomed = delivery.Composition(zoom=0.5)
    assert frames._decode_ahead(processed, (300, 200), zoomed, None) is None
    assert frames._decode_ahead(processed, (300, 200), delivery.Composition(), None) is not None


def test_an_editors_small_box_is_decoded_again_with_the_px_it_needs(processed, editor,
                                                                   monkeypatch):
    # 360x202.5 px of the 1200x800 photo for a 320x180 frame: the decode ahead
    # (for the largest 16:9 box, 1200x675: at 1/2) has too few px for it
    editing.crop_set(asset=processed, profile=RenditionProfile.objects.get(slug="hero"),
                     box=[0.35, 0.3, 0.65, 0.553125], user=editor)
    decodes, real, ahead = [], rendering.render_file, frames._decode_ahead
    monkeypatch.setattr(rendering, "render_file",
                        lambda *a, **k: decodes.append("again") or real(*a, **k))
    monkeypatch.setattr(frames, "_decode_ahead",
                        lambda *a: decodes.append("ahead") or ahead(*a))
    again = frames.frame_ensure(asset=processed, width=320, height=180, fmt="png")
    assert decodes == ["ahead", "again"]
    Frame.objects.all().delete()
    monkeypatch.setattr(frames, "_decode_ahead", lambda *a: None)  # decoded after the plan
    after = frames.frame_ensure(asset=processed, width=320, height=180, fmt="png")
    assert again.crop_box == after.crop_box
    assert np.array_equal(_pixels(again), _pixels(after))


def test_a_stored_frame_is_found_without_a_decode(processed, monkeypatch):
    first = frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg")
    monkeypatch.setattr(frames, "_decode_ahead", lambda *a: pytest.fail("decoded"))
    assert frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg") == first


def test_a_frame_stored_by_a_concurrent_request_meanwhile_is_the_one_returned(processed,
                                                                              monkeypatch):
    first = frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg")
    monkeypatch.setattr(frames, "_stored", lambda *a: {})  # looked up before it was stored
    again = frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg")
    assert again.pk == first.pk and Frame.objects.filter(asset=processed).count() == 1


def test_an_insert_refused_for_another_reason_is_not_hidden(processed, monkeypatch):
    from django.db import IntegrityError

    def refused(**fields):
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(Frame.objects, "create", refused)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg")


def test_two_first_requests_at_once_store_one_frame(processed, monkeypatch):
    """Both look up before either stores (a barrier after the lookup): both render,
    one insert wins, the other finds the winner's row through the unique constraint."""
    real, barrier = frames._stored, threading.Barrier(2, timeout=30)
    monkeypatch.setattr(frames, "_stored", lambda *a: (real(*a), barrier.wait())[0])
    got = []

    def request():
        got.append(frames.frame_ensure(asset=processed, width=300, height=200, fmt="jpeg"))

    other = threading.Thread(target=lambda: (request(), connections.close_all()))
    other.start()
    request()
    other.join(timeout=60)
    assert len(got) == 2 and got[0].pk == got[1].pk
    assert Frame.objects.filter(asset=processed).count() == 1
