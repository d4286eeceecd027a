"""``python -m bench search`` (``make bench BENCH_ARGS="search"``): search speed over
100,000 generated assets (bench/search_data.py), on SQLite (FTS5, the embedded
default) and on PostgreSQL (GIN full-text) when ``DATABASE_URL`` names one.

Each setup runs in its own process on a throwaway database (SQLite: a file in a
temp folder; PostgreSQL: DATABASE_URL's name + ``_bench``, created and dropped as
Django's test database) and times, over ``--queries`` distinct queries each, what the library page
and the API do per request (count, then the first page of 24 assets) for: one word;
three words + a keyword filter; a keyword or creator filter alone; one word as a user
whose only right is a view grant on one of four desks (the collections they may view
narrow the search, as in the product); and the facet
counts. The word queries are timed again as a plain ``icontains`` scan over the same
fields (OR of fields, AND of words, keywords by subquery) in the same run; the
ratio is search / icontains. Options: ``--assets N`` (default 100,000; small for a
quick run), ``--queries N`` (default 50), ``--setups sqlite,postgres``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import ROOT, machine_line, markdown_table, write_report

KINDS = ("one word", "three words + keyword", "filter alone", "one word, a desk's view",
         "facets (one-word results)")


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench search", description=__doc__)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--setups", default="sqlite,postgres")
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from . import search_run

        args.result.write_text(json.dumps(search_run.run(args.assets, args.queries)))
        return ""
    results, notes = setups_run(args.setups, lambda setup, env: _child(setup, env, args))
    text = report(results, assets=args.assets, notes=notes)
    print(text)
    write_report("search.md", text, args.out_dir)
    return text


def setups_run(setups: str, measure) -> tuple[dict, list[str]]:
    """``measure(setup, env)`` for each of ``setups`` ("sqlite,postgres") that can run
    here: the results by setup, and a note for each one skipped."""
    results, notes = {}, []
    for setup in setups.split(","):
        env = _env(setup)
        if env is None:
            notes.append(f"{setup}: skipped, DATABASE_URL names no PostgreSQL database.")
            continue
        results[setup] = measure(setup, env)
    return results, notes


def _env(setup: str) -> dict | None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "dam.settings"
    env["SALIENT_HTTPS"] = "0"
    if setup == "sqlite":
        env.pop("DATABASE_URL", None)
        return env
    url = os.environ.get("DATABASE_URL", "")
    return env if url.startswith(("postgres://", "postgresql://")) else None


def _child(setup: str, env: dict, args) -> dict:
    """One setup, measured in its own process (its own settings and database)."""
    with tempfile.TemporaryDirectory(prefix=f"salient-bench-search-{setup}-") as tmp:
        env["SALIENT_VAR_DIR"] = tmp
        result = Path(tmp) / "result.json"
        subprocess.run([sys.executable, "-m", "bench", "search", "--child", setup,
                        "--assets", str(args.assets), "--queries", str(args.queries),
                        "--result", str(result)], cwd=ROOT, env=env, check=True)
        return json.loads(result.read_text())


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p95 in ms (nearest rank)."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p95 * 1000


def report(results: dict, *, assets: int, notes=()) -> str:
    rows = []
    for setup, result in results.items():
        for kind in KINDS:
            timed = result["timings"].get(kind)
            if not timed:
                continue
            p50, p95 = percentiles(timed["search"])
            row = [f"{setup}: {kind}", len(timed["search"]), f"{p50:.1f}", f"{p95:.1f}"]
            if timed.get("icontains"):
                b50, b95 = percentiles(timed["icontains"])
                row += [f"{b50:.1f}", f"{b95:.1f}", f"{p50 / b50:.3f}", f"{p95 / b95:.3f}"]
            else:
                row += ["—"] * 4
            rows.append(row + [f"{statistics.median(timed['found']):.0f}"])
    header = ["setup: query", "queries", "p50 ms", "p95 ms", "icontains p50 ms",
              "icontains p95 ms", "ratio p50", "ratio p95", "median found"]
    lines = [f"# Search over {assets:,} generated assets", "",
             "Per query: the count and the first page of 24 (the library page's and the "
             "API's work); facets: the six facet counts over a one-word search's results. "
             "Target: p50 ≤ 50 ms.", "", markdown_table(header, rows), ""]
    for setup, result in results.items():
        lines.append(f"- {setup}: load {result['load_s']:.0f} s ({result['database']}); "
                     f"index used: {result['plan']}")
    lines += [f"- {note}" for note in notes]
    lines.append(f"- {machine_line()}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
