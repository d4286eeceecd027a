"""The benchmark code runs without ../shared and gives sane numbers.

Generated photos only; quick (a few seconds). The libvips and smartcrop.py
rows need the ``bench`` extra and are skipped without it.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from PIL import Image

from bench import ASPECTS, crop_quality, speed
from bench.crop_quality import Sample, fraction_inside, oracle_box

HAS_VIPS = importlib.util.find_spec("pyvips") is not None
needs_vips = pytest.mark.skipif(not HAS_VIPS, reason="pyvips not installed (bench extra)")


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return crop_quality.synthetic_samples(tmp_path_factory.mktemp("photos"), n=3, size=(400, 300))


def test_fraction_inside_counts_half_open_boxes():
    points = np.array([[0, 0], [9, 9], [10, 10], [5, 12]])
    assert fraction_inside(points, (0, 0, 10, 10)) == 0.5
    assert fraction_inside(points, (0, 0, 11, 13)) == 1.0


def test_oracle_finds_the_exact_best_position():
    points = np.array([[3, 3]] + [[30, 20]] * 3 + [[39, 29]] * 2)
    assert oracle_box(points, (40, 30), (10, 10)) == (30, 20, 40, 30)
    assert oracle_box(points, (40, 30), (40, 30)) == (0, 0, 40, 30)
    assert oracle_box(points, (40, 30), (1, 1)) == (30, 20, 31, 21)


def test_oracle_is_at_least_every_method(samples):
    methods, _ = crop_quality.available_methods()
    results = crop_quality.evaluate(samples, methods)
    oracle = results["oracle"].scores
    for name, result in results.items():
        assert result.scores.shape == (3, len(ASPECTS))
        assert ((result.scores >= 0) & (result.scores <= 1)).all(), name
        assert (result.scores <= oracle + 1e-12).all(), name
    # the generated subject is small and bright: the oracle keeps all of it
    assert oracle.min() == 1.0
    salient = next(iter(results.values())).scores
    assert salient.mean() >= 0.9


def test_report_names_methods_and_verdicts(samples):
    methods, notes = crop_quality.available_methods()
    text = crop_quality.report(crop_quality.evaluate(samples[:1], methods),
                               title="test", notes=notes)
    assert "| oracle |" in text and "100.0" in text
    assert "% of the oracle on average" in text


@needs_vips
def test_vips_boxes_match_the_pixels_libvips_returns(tmp_path):
    """The box read from xoffset/yoffset is where libvips cut (checked pixel for pixel)."""
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 40, (300, 400, 3)).astype(np.uint8)
    noise[40:90, 250:320] = (250, 20, 20)  # the salient patch, off-centre
    path = tmp_path / "noise.png"
    Image.fromarray(noise).save(path)
    sample = Sample("noise", path, (400, 300), np.array([[280, 60]]))
    boxes = crop_quality.vips_boxes(sample, ASPECTS, verify=True)
    for aspect, (x0, y0, x1, y1) in boxes.items():
        assert (x1 - x0, y1 - y0) == crop_quality.largest_box(aspect, (400, 300))
        assert x0 <= 280 < x1 and y0 <= 60 < y1, aspect  # it went for the patch


def test_speed_runs_on_a_small_generated_photo(tmp_path):
    text = speed.run(repeats=1, synthetic=True, memory=False, out_dir=tmp_path,
                     work_dir=tmp_path, size=(800, 600), echo=lambda *a: None)
    assert "Salient suggest, 5 aspects" in text
    assert (tmp_path / "speed.md").read_text().strip() == text.strip()
    if HAS_VIPS:
        assert "suggest 5 aspects / vips attention 1 aspect (pixels) = " in text


def test_memory_child_reports_a_peak(tmp_path):
    path, _ = speed.make_photo(tmp_path, synthetic=True, size=(400, 300))
    mem = speed.measure_memory(["centre7"], path)["centre7"]
    assert mem["peak_kb"] >= mem["after_imports_kb"] > 10_000


def test_salient_and_vips_renditions_have_the_profile_sizes(tmp_path):
    import io

    from bench import analysis, default_profiles

    path, _ = speed.make_photo(tmp_path, synthetic=True, size=(1200, 900))
    targets = analysis.profile_targets(default_profiles(), (1200, 900))
    outputs = {"salient": analysis.salient_renditions(path, targets)}
    if HAS_VIPS:
        outputs["vips"] = speed.task_vips_renditions(path, targets)
    for name, datas in outputs.items():
        sizes = [Image.open(io.BytesIO(d)).size for d in datas]
        assert sizes == [t["size"] for t in targets], name


def test_human_ceiling_plans_on_one_half_and_scores_on_the_other(tmp_path):
    """Halves that agree give the oracle; halves that disagree lose the other half."""
    left, right = np.array([[40, 150]] * 5), np.array([[360, 150]] * 5)
    agree = Sample("agree", tmp_path / "a.jpg", (400, 300), np.vstack([left, left]), (left, left))
    kept, best = crop_quality.human_ceiling([agree], aspects=((1, 1),))
    assert kept.tolist() == [1.0] and best.tolist() == [1.0]
    split = Sample("split", tmp_path / "s.jpg", (400, 300), np.vstack([left, right]), (left, right))
    kept, best = crop_quality.human_ceiling([split], aspects=((1, 1),))
    assert kept.tolist() == [0.0] and best.tolist() == [1.0]
    assert crop_quality.ceiling_note([Sample("g", tmp_path / "g.jpg", (400, 300), left)]) is None


def test_fixation_map_peaks_where_people_looked():
    m = crop_quality.fixation_map(np.array([[700, 100]] * 3), (800, 600))
    assert m.shape == (96, 128) and abs(float(m.sum()) - 1) < 1e-5
    r, c = np.unravel_index(int(np.argmax(m)), m.shape)
    assert (c, r) == (700 * 128 // 800, 100 * 96 // 600)


def test_load_photos_are_distinct_files_with_the_same_pixels():
    """Every load-bench upload must pass the duplicate check yet decode to its base photo."""
    import hashlib
    import io

    from bench import load_stages as load

    base = load.make_photo(0, (400, 300))
    copies = [load.distinct(base, i) for i in range(3)]
    assert len({hashlib.sha256(c).digest() for c in [base, *copies]}) == 4
    pixels = np.asarray(Image.open(io.BytesIO(base)))
    for data in copies:
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.size == (400, 300)
            assert np.array_equal(np.asarray(im), pixels)
    assert not np.array_equal(np.asarray(Image.open(io.BytesIO(load.make_photo(1, (400, 300))))),
                              pixels)
    assert load.percentile([4, 1, 3, 2], 50) == 2.5 and load.percentile([7], 95) == 7


def test_the_wrk_report_is_read():
    from bench.delivery import parse_wrk

    out = """Running 10s test @ http://127.0.0.1:1/d/x/hero
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   220.81ms   60.20ms 494.42ms   70.12%
  Latency Distribution
     50%  256.62ms
     75%  262.10ms
     90%  300.00ms
     99%  494.42ms
  1432 requests in 10.01s, 355.77MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    143.06
Transfer/sec:     35.54MB
"""
    assert parse_wrk(out) == {"rps": 143.06, "p50": "256.62ms", "p99": "494.42ms", "errors": 3}
    assert parse_wrk(out.replace("  Non-2xx or 3xx responses: 3\n", ""))["errors"] == 0


@pytest.mark.parametrize("box, cut", [
    ((0, 0, 100, 100), False),    # holds the face whole
    ((0, 0, 50, 100), True),      # 75 % of it
    ((0, 0, 55, 100), True),      # 87.5 %: still cut
    ((0, 0, 56, 100), False),     # exactly 90 %: kept
    ((0, 0, 20, 100), False),     # touches it, shares nothing (x1 is exclusive)
])
def test_a_crop_cuts_a_face_it_holds_less_than_90_percent_of(box, cut):
    from bench.face_cuts import cuts

    assert cuts(box, (20, 20, 60, 60)) is cut


def test_cut_rates_are_counted_per_face_size_and_place():
    from bench import ASPECTS
    from bench.crop_quality import Sample
    from bench.face_cuts import by_face

    sample = Sample("x", None, (300, 100), np.zeros((0, 2), dtype=np.int64))
    small_left, large_right = (10, 10, 20, 20), (200, 0, 290, 90)  # 0.3 % and 27 %
    cut_the_large = {aspect: (0, 0, 250, 100) for aspect in ASPECTS}
    counts = by_face(lambda s, aspects: cut_the_large, [(sample, [small_left, large_right])])
    n = len(ASPECTS)
    assert counts["small, < 0.5 %"] == (n, 0) and counts["large, >= 2 %"] == (n, n)
    assert counts["left third"] == (n, 0) and counts["right third"] == (n, n)
    assert counts["middle third"] == (0, 0)


@pytest.mark.parametrize("faces, spared", [
    ([(40, 20, 80, 60)], True),                      # the box can slide clear of it or over it
    ([(10, 20, 40, 60), (160, 20, 190, 60)], True),  # 100 px box: between them (40-160 is wider)
    ([(0, 20, 50, 60), (75, 20, 125, 60), (150, 20, 200, 60)], True),  # only at x = 50
    ([(0, 20, 55, 60), (75, 20, 125, 60), (145, 20, 200, 60)], False),  # nowhere
    ([(0, 0, 200, 100)], False),                     # larger than the box: always cut
])
def test_a_cut_is_avoidable_when_a_box_of_its_size_somewhere_cuts_no_face(faces, spared):
    from bench.face_cuts import avoidable

    assert avoidable((0, 0, 100, 100), faces, (200, 100)) is spared
