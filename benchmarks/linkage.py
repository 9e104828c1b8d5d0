"""Linking simulated lists: records per second, peak memory and F1, surplace beside plain Splink.

    .venv/bin/python benchmarks/linkage.py [--records 100000] [--million] [--seed 1]

For each size, the simulator (:mod:`surplace.linkage.simulate`) makes lists of about that many
records with known truth; each configuration — surplace's keys, and the plain Splink
configuration on raw name strings with the same birth and sex comparisons — links them from
records to clusters (features, training, prediction, clustering) in a fresh process, so its
peak resident memory (``getrusage`` of that process, DuckDB's allocations included, which
tracemalloc would miss) is its own. The table gives records per second, peak memory, pairwise
precision, recall and F1, and the ratio surplace / plain. Goal: 1,000,000 records in under
15 minutes on a 2-core machine. All data is synthetic.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

#: Records per simulated person, on average (five lists, heterogeneous reach, duplicates).
RECORDS_PER_PERSON = 2.07


@dataclass(frozen=True)
class Measure:
    kind: str
    records: int
    seconds: float
    peak_mib: float
    precision: float
    recall: float
    f1: float
    pairs: int


def _run(kind: str, persons: int, seed: int) -> Measure:
    from surplace.linkage.evaluate import pairwise_scores
    from surplace.linkage.run import InputList, link_frames
    from surplace.linkage.simulate import simulate

    sim = simulate(persons, seed=seed)
    roles = {column: column for column in sim.records.columns}
    start = time.perf_counter()
    result = link_frames([InputList("simulated", sim.records, roles)], threshold=0.9,
                         kind="plain" if kind == "plain" else "surplace")
    seconds = time.perf_counter() - start
    scores = pairwise_scores(result.clusters["cluster_id"].tolist(), sim.truth.tolist())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Measure(kind, len(sim.records), seconds, peak, scores.precision, scores.recall,
                   scores.f1, len(result.pairs))


def _measure(kind: str, persons: int, seed: int) -> Measure:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, kind, persons, seed).result()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 records")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [args.records] + ([1_000_000] if args.million else [])
    header = (f"{'records':>9} {'config':>9} {'seconds':>8} {'rec/s':>8} {'peak MiB':>9} "
              f"{'precision':>9} {'recall':>7} {'F1':>6} {'pairs':>9}")
    print(header)
    print("-" * len(header))
    for size in sizes:
        persons = max(10, round(size / RECORDS_PER_PERSON))
        rows = {kind: _measure(kind, persons, args.seed) for kind in ("surplace", "plain")}
        for m in rows.values():
            print(f"{m.records:>9,} {m.kind:>9} {m.seconds:>8.1f} {m.records / m.seconds:>8,.0f} "
                  f"{m.peak_mib:>9,.0f} {m.precision:>9.4f} {m.recall:>7.4f} {m.f1:>6.4f} "
                  f"{m.pairs:>9,}", flush=True)
        ours, plain = rows["surplace"], rows["plain"]
        print(f"{'':>9} {'ratio':>9} {ours.seconds / plain.seconds:>8.2f} {'':>8} "
              f"{ours.peak_mib / plain.peak_mib:>9.2f} {'':>9} {'':>7} "
              f"{ours.f1 / plain.f1 if plain.f1 else float('inf'):>6.2f}  (surplace / plain)")
        if size >= 1_000_000:
            verdict = "met" if ours.seconds < 15 * 60 else "missed"
            print(f"goal: 1,000,000 records in under 15 minutes — {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
