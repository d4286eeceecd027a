"""``python -m bench``: crop quality, speed, then delivery. ``make bench BENCH_ARGS=...``.

``calibration`` (bench/calibration.py; ``--only calibration``, also in a plain run
after quality) scores the crop confidence against human fixations on the OSIE and
Scene validation splits (ECE, AUC, flagged share, a reliability plot).

``faces`` (bench/face_cuts.py; ``--only faces``) counts crops that cut a hand-labelled
face, and a face people looked at, beside the fixations kept.

``delivery`` (bench/delivery.py; ``--only delivery``) times a new frame on first
request against libvips' attention crop and the stable URL under gunicorn against
nginx with wrk (Debian's wrk and nginx; .ci/run does not need them).

``python -m bench load [--assets N --uploads N ...]`` (``make bench BENCH_ARGS=load``)
runs the load benchmark instead: ``generate_renditions`` over N assets (default
1,000: assets per minute per core, 100,000 extrapolated; bench/regenerate.py),
then the app under a burst of uploads (bench/load.py; about 15 minutes for the
default 200 uploads), so a plain ``make bench`` leaves it out.

``python -m bench search [--assets N --queries N --setups sqlite,postgres]``
(``make bench BENCH_ARGS=search``) times search, filters and facets over 100,000
generated assets on SQLite and, with a PostgreSQL ``DATABASE_URL``, on PostgreSQL,
against a plain icontains scan (bench/search.py; about 10 minutes).

``python -m bench similar [--photos N --assets N --setups sqlite,postgres]``
(``make bench BENCH_ARGS=similar``) measures near-duplicates: recall and false
matches per transform of photos from ../shared, then lookup time at 100,000 stored
hashes, banded index against a full scan (bench/similar.py).

``python -m bench.fidelity --before PATH`` renders the default renditions and
three frames with this checkout and another, and prints their PSNR against each
other and against an exact Lanczos resample (bench/fidelity.py).

Options: ``--only quality|speed``, ``--limit N`` (quality: first N photos;
speed: a quick run with fewer repeats and no memory children), ``--all`` (all
700 OSIE photos), ``--repeats N`` (speed, default 7), ``--synthetic`` (use
generated images even when ../shared is there), ``--shared PATH``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import SHARED, calibration, crop_quality, delivery, face_cuts, speed


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["load"]:
        from . import load

        load.main(argv[1:])
        return
    if argv[:1] == ["similar"]:
        from . import similar

        similar.main(argv[1:])
        return
    if argv[:1] == ["delivery"]:  # python -m bench delivery --help
        delivery.main(argv[1:])
        return
    if argv[:1] == ["search"]:
        from . import search

        search.main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("quality", "calibration", "faces", "speed",
                                           "delivery"))
    parser.add_argument("--limit", type=int, help="quick run: first N photos, fewer repeats")
    parser.add_argument("--all", action="store_true", help="crop quality on all 700 OSIE photos")
    parser.add_argument("--repeats", type=int, help="speed repeats per method (default 7)")
    parser.add_argument("--synthetic", action="store_true", help="generated images only")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    if args.only in (None, "quality"):
        crop_quality.run(shared=args.shared, all_images=args.all, limit=args.limit,
                         synthetic=args.synthetic)
    if args.only in (None, "calibration") and not args.synthetic:
        calibration.run(shared=args.shared, limit=args.limit)
    if args.only in (None, "faces") and not args.synthetic:
        face_cuts.run(shared=args.shared)
    if args.only in (None, "speed"):
        repeats = args.repeats or (3 if args.limit else speed.REPEATS)
        speed.run(shared=args.shared, repeats=repeats, synthetic=args.synthetic,
                  memory=not args.limit)
    if args.only in (None, "delivery"):
        delivery.run(shared=args.shared, repeats=args.repeats or delivery.REPEATS,
                     synthetic=args.synthetic)


if __name__ == "__main__":
    main()
