"""Linking simulated lists: records per second, peak memory and F1, surplace beside plain Splink.

    .venv/bin/python benchmarks/linkage.py [--records 100000 [300000 …]] [--million] [--seed 1]
                                           [--configs surplace plain] [--stages]

For each size, the simulator (:mod:`surplace.linkage.simulate`) makes lists of about that many
records with known truth; each configuration — surplace's keys, and the plain Splink
configuration on raw name strings with the same birth and sex comparisons — links them from
records to clusters (features, training, prediction, clustering) in a fresh process, so its
peak resident memory (``getrusage`` of that process, DuckDB's allocations included, which
tracemalloc would miss) is its own. The table gives records per second, peak memory, pairwise
precision, recall and F1, and the ratio surplace / plain. Goal: 1,000,000 records in under
15 minutes on a 2-core machine. All data is synthetic.

The CPU seconds (user and system, all threads) are given beside the wall time: on a machine
shared with other jobs they are the steadier figure. ``--stages`` adds the seconds of each step
(reading the names, training, scoring, clustering), which is what to extrapolate from: reading
names grows with the distinct values, scoring with the candidate pairs. DuckDB's memory is
bounded (:mod:`surplace.linkage.engine`: ``SURPLACE_LINK_MEMORY``, default 60% of the
machine), so the peak stays below the machine's memory whatever the size.
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
    cpu_seconds: float
    #: (step, wall seconds, CPU seconds of all threads)
    stages: tuple[tuple[str, float, float], ...]


def _run(kind: str, persons: int, seed: int) -> Measure:
    from surplace.linkage.evaluate import pairwise_scores
    from surplace.linkage.run import InputList, link_frames
    from surplace.linkage.simulate import simulate

    sim = simulate(persons, seed=seed)
    roles = {column: column for column in sim.records.columns}
    stages: list[tuple[str, float, float]] = []

    def step(stage: str, _step: int, _total: int) -> None:
        stages.append((stage, time.perf_counter(), time.process_time()))

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    start, cpu_start = time.perf_counter(), time.process_time()
    result = link_frames([InputList("simulated", sim.records, roles)], threshold=0.9,
                         kind="plain" if kind == "plain" else "surplace", progress=step)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu
    scores = pairwise_scores(result.clusters["cluster_id"].tolist(), sim.truth.tolist())
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    times = [(start, cpu_start)] + [(at, cpu_at) for _, at, cpu_at in stages[1:]]
    spans = tuple((name, end[0] - begin[0], end[1] - begin[1]) for (name, _, _), begin, end
                  in zip(stages, times, times[1:], strict=False))
    return Measure(kind, len(sim.records), seconds, peak, scores.precision, scores.recall,
                   scores.f1, len(result.pairs), cpu, spans)


def _measure(kind: str, persons: int, seed: int) -> Measure:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, kind, persons, seed).result()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--configs", nargs="+", choices=("surplace", "plain"),
                        default=["surplace", "plain"])
    parser.add_argument("--stages", action="store_true", help="print the seconds of each step")
    args = parser.parse_args(argv)
    sizes = list(args.records) + ([1_000_000] if args.million else [])
    header = (f"{'records':>9} {'config':>9} {'seconds':>8} {'CPU s':>7} {'rec/s':>8} "
              f"{'peak MiB':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'pairs ≥0.9':>10}")
    print(header)
    print("-" * len(header))
    for size in sizes:
        persons = max(10, round(size / RECORDS_PER_PERSON))
        rows = {kind: _measure(kind, persons, args.seed) for kind in args.configs}
        for m in rows.values():
            print(f"{m.records:>9,} {m.kind:>9} {m.seconds:>8.1f} {m.cpu_seconds:>7.0f} "
                  f"{m.records / m.seconds:>8,.0f} {m.peak_mib:>9,.0f} {m.precision:>9.4f} "
                  f"{m.recall:>7.4f} {m.f1:>6.4f} {m.pairs:>10,}", flush=True)
            if args.stages:
                for stage, seconds, cpu_seconds in m.stages:
                    print(f"{'':>19} {seconds:>8.1f} {cpu_seconds:>7.1f}  {stage}")
        if len(rows) == 2:
            ours, plain = rows["surplace"], rows["plain"]
            print(f"{'':>9} {'ratio':>9} {ours.seconds / plain.seconds:>8.2f} {'':>7} {'':>8} "
                  f"{ours.peak_mib / plain.peak_mib:>9.2f} {'':>9} {'':>7} "
                  f"{ours.f1 / plain.f1 if plain.f1 else float('inf'):>6.2f}  (surplace / plain)")
        if size >= 1_000_000 and "surplace" in rows:
            verdict = "met" if rows["surplace"].seconds < 15 * 60 else "missed"
            print(f"goal: 1,000,000 records in under 15 minutes — {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
