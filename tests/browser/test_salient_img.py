"""The <salient-img> element in headless Chromium: on the DAM's demo page in boxes
of several aspects and after a resize (its data-crop is the Python Planner's crop
for the box, its size does not move when the pixels arrive), and on another
site's page (CORS). The script's size is checked too.

Screenshots go to artifacts/screenshots/salient-img-*.png.
"""
from __future__ import annotations

import gzip
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from renditions import derive, element
from renditions.engine import pipeline
from tests.browser.conftest import log_in
from tests.integration.conftest import processed  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "salient" / "salient-img.js"

# Each element's box (CSS px), its data-crop and whether its picture has loaded.
STATE = """() => [...document.querySelectorAll("salient-img")].map((el) => {
  if (!el.shadowRoot) return {crop: "", loaded: false};  // not upgraded yet
  const img = el.shadowRoot.querySelector("img"), r = el.getBoundingClientRect();
  const i = img.getBoundingClientRect();
  return {box: el.closest("[data-box]")?.dataset.box, w: el.clientWidth, h: el.clientHeight,
          rect: [r.x, r.y, r.width, r.height], crop: el.dataset.crop || "",
          loaded: img.complete && img.naturalWidth > 0, src: img.currentSrc,
          covers: i.left <= r.left + 0.5 && i.top <= r.top + 0.5
                  && i.right >= r.right - 0.5 && i.bottom >= r.bottom - 0.5};
})"""


# Each element's box when it first shows a crop, before its picture has arrived.
FIRST_RECTS = """window.__firstRects = [];
new MutationObserver((changes) => changes.forEach(({target}) => {
  if (!target.__seen) { target.__seen = true; const r = target.getBoundingClientRect();
    window.__firstRects.push({box: target.closest("[data-box]")?.dataset.box,
                              rect: [r.x, r.y, r.width, r.height],
                              loaded: target.shadowRoot.querySelector("img").complete}); }
})).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-crop"]});"""


def python_crop(asset, w: int, h: int) -> list[float]:
    """The Python Planner's crop for a w x h px box, as data-crop's fractions."""
    analysis = asset.analysis
    planner = pipeline.Planner(derive.engine_analysis(asset, analysis))
    box = derive.plan_spec(planner, analysis, pipeline.RenditionSpec(aspect=(w, h))).box
    return [round(v, 6) for v in box.to_norm((asset.width, asset.height))]


def crops_match(asset, states) -> None:
    for state in states:
        got = [float(v) for v in state["crop"].split()]
        assert got == python_crop(asset, round(state["w"]), round(state["h"])), state


def sharp_and_frugal(asset, states, dpr: float = 1.0) -> None:
    """Each picture is the smallest frame of the ladder that gives the box its
    device pixels (the largest when none does)."""
    widths = [f["width"] for f in element.element_description(asset)["frames"]]
    for state in states:
        width = int(re.search(r"/d/[^/]+/(\d+)x\d+", state["src"]).group(1))
        x0, _, x1, _ = (float(v) for v in state["crop"].split())
        enough = [w for w in widths if w * (x1 - x0) >= state["w"] * dpr]
        assert width == (min(enough) if enough else max(widths)), state


def settled(page) -> list[dict]:
    """The elements' states once every one has planned and its picture has loaded."""
    page.wait_for_function(f"({STATE})().every((s) => s.crop && s.loaded)")
    return page.evaluate(STATE)


def test_the_element_crops_to_each_box_and_replans_on_resize(page, live_server, editor,
                                                            processed, shot):  # noqa: F811
    base = live_server.url
    log_in(page, base, editor.username)
    page.add_init_script(FIRST_RECTS)
    page.goto(f"{base}/assets/{processed.uid}/element")
    states = settled(page)
    assert len(states) == 5 and len({s["crop"] for s in states}) >= 4
    first = {r["box"]: r for r in page.evaluate("window.__firstRects")}
    assert not any(r["loaded"] for r in first.values())  # measured before the pixels came
    assert [s["rect"] for s in states] == [first[s["box"]]["rect"] for s in states]
    assert all(s["covers"] and "/d/" in s["src"] for s in states)
    crops_match(processed, states)
    sharp_and_frugal(processed, states)
    square = next(s for s in states if s["box"] == "square")
    assert (square["w"], square["h"]) == (298, 298)  # the frame's 300 px less its border
    shot("salient-img-01-boxes")

    page.evaluate("""() => { const f = document.querySelector('[data-box="square"] .element-frame');
                             f.style.width = "602px"; f.style.height = "202px"; }""")
    page.wait_for_function("""(before) => {
      const el = document.querySelector('[data-box="square"] salient-img');
      return el.clientWidth === 600 && el.dataset.crop !== before; }""", arg=square["crop"])
    resized = settled(page)
    wide = next(s for s in resized if s["box"] == "square")
    assert (wide["w"], wide["h"]) == (600, 200) and wide["crop"] != square["crop"]
    assert wide["covers"]
    crops_match(processed, resized)
    shot("salient-img-02-resized")


@contextmanager
def other_site(html: str):
    """Another origin serving ``html``, on the loopback too: a public page may not
    reach a private address (Chromium's Private Network Access)."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_uses_the_script_and_the_json_across_origins(page, live_server,
                                                                  processed, shot):  # noqa: F811
    base = live_server.url
    html = (f'<!doctype html><title>News</title><script type="module" '
            f'src="{base}/static/salient/salient-img.js"></script>'
            f'<salient-img src="{base}/api/assets/{processed.uid}/" alt="A lighthouse" '
            f'style="width: 360px; height: 640px"><img alt="fallback" width="36" height="64">'
            f'</salient-img>')
    # The live server's static handler skips the middleware; WhiteNoise, which serves
    # /static/ in production, adds this header (tests/integration/test_element.py).
    page.route(f"{base}/static/salient/salient-img.js", lambda route: route.fulfill(
        response=(fetched := route.fetch()),
        headers={**fetched.headers, "access-control-allow-origin": "*"}))
    with other_site(html) as site:
        page.goto(f"{site}/story")
        [state] = settled(page)
        assert (state["w"], state["h"]) == (360, 640) and state["covers"]
        crops_match(processed, [state])
        expect(page.locator("salient-img")).to_have_attribute("alt", "A lighthouse")
        assert page.evaluate("document.querySelector('salient-img').shadowRoot"
                             ".querySelector('slot').hidden")  # the fallback gives way
        shot("salient-img-03-other-site")


def test_the_script_is_small():
    assert len(gzip.compress(SCRIPT.read_bytes(), 9)) <= 10 * 1024
