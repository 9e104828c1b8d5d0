"""LCMCR sampler speed beside R's LCMCR, and time to a converged estimate.

    taskset -c 1 .venv/bin/python benchmarks/estimation.py            # every data set + more
    taskset -c 1 .venv/bin/python benchmarks/estimation.py --quick    # kosovo and the largest
    .venv/bin/python benchmarks/estimation.py --modes                 # long chains, multimodal

What it measures, with the reference runs' settings (K = 10, a_α = b_α = 0.25, 10,000 burn-in
sweeps, 1,000 draws thinned by 100: 110,000 sweeps, plus LCMCR's 500 warm-up sweeps):

* wall and CPU time of one chain, one thread (as R runs it) of 110,500 sweeps on each data
  set, set-up included (as R's timing includes its own), beside the wall time of R's LCMCR
  for the same run (tests/data/mse/README.md; "a machine of the same kind"), and that chain's
  median of N beside the R run's (seed 1234): the same posterior up to one chain's Monte Carlo
  error (about 5% on the median; the multimodal tables, marked *, sit in a mode);
* Gibbs sweeps per second on the largest data set and on a synthetic table of 10 lists and
  100,000 people seen;
* time to R-hat < 1.01 on N: four chains (two threads) run in blocks of 100 kept draws until
  the rank-normalised split R-hat falls below 1.01 with a bulk ESS of at least 400.

Compilation is done (and cached) before any clock starts. The machine is shared: the best of
``--repeat`` runs is reported, with the load average; on a busy machine the CPU time is the
steadier figure, and the ratio is given for both.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from surplace.estimation.convergence import effective_sample_size, posterior_modes, split_rhat
from surplace.estimation.histories import CaptureHistories, histories_from_frame, read_csv
from surplace.estimation.lcmcr import WARMUP, Sampler, Settings

DATA = Path(__file__).parent.parent / "tests" / "data" / "mse"
# R's LCMCR 0.4.14, same settings, wall time of the whole run (tests/data/mse/README.md)
R_SECONDS = {
    "kosovo_1999_4lists": 3.1, "uk_modern_slavery_2013_6lists": 4.0,
    "uk_modern_slavery_2013_5lists": 2.2, "netherlands_trafficking_6lists": 5.6,
    "netherlands_trafficking_5lists": 2.7, "new_orleans_trafficking_5lists": 2.0,
    "us_western_site_sex_trafficking_5lists": 2.3, "scotland_pwid_2006_4lists": 2.9,
    "diabetes_casale_monferrato_4lists": 2.6, "hepatitis_a_taiwan_3lists": 1.7,
    "spina_bifida_ny_3lists": 2.4, "artificial_3lists_sparsemse": 1.2,
}
R_MEDIANS = {  # the same runs' medians of N, seed 1234
    "kosovo_1999_4lists": 10_381, "uk_modern_slavery_2013_6lists": 21_886,
    "uk_modern_slavery_2013_5lists": 23_028, "netherlands_trafficking_6lists": 143_592,
    "netherlands_trafficking_5lists": 50_276, "new_orleans_trafficking_5lists": 832,
    "us_western_site_sex_trafficking_5lists": 1_843, "scotland_pwid_2006_4lists": 20_386,
    "diabetes_casale_monferrato_4lists": 2_580, "hepatitis_a_taiwan_3lists": 516,
    "spina_bifida_ny_3lists": 737, "artificial_3lists_sparsemse": 408,
}
MULTIMODAL = {"uk_modern_slavery_2013_5lists", "netherlands_trafficking_5lists",
              "netherlands_trafficking_6lists", "scotland_pwid_2006_4lists",
              "diabetes_casale_monferrato_4lists"}
LARGEST = "netherlands_trafficking_6lists"  # most people seen (8,234) and most cells


def load(name: str) -> CaptureHistories:
    return histories_from_frame(read_csv(DATA / f"{name}.csv"))


def synthetic(lists: int = 10, seen: int = 100_000, seed: int = 1) -> CaptureHistories:
    """Three latent classes of catchability over ``lists`` lists, grown until ``seen``
    people are on at least one list."""
    rng = np.random.default_rng(seed)
    weights = np.array([0.5, 0.3, 0.2])
    rates = rng.uniform([[0.02], [0.08], [0.25]], [[0.08], [0.2], [0.5]], (3, lists))
    patterns = np.zeros((0, lists), dtype=np.int64)
    while patterns.shape[0] < seen:
        classes = rng.choice(3, size=50_000, p=weights)
        caught = (rng.random((50_000, lists)) < rates[classes]).astype(np.int64)
        patterns = np.vstack([patterns, caught[caught.sum(axis=1) > 0]])
    unique, counts = np.unique(patterns[:seen], axis=0, return_counts=True)
    return CaptureHistories.from_patterns([f"L{j + 1}" for j in range(lists)], unique, counts)


def one_chain(histories: CaptureHistories, settings: Settings, seed: int,
              repeat: int) -> tuple[float, float, float]:
    """Best wall and CPU seconds of a full single-chain run (set-up and warm-up included,
    as R's timing includes them), and the first run's median of N."""
    best_wall = best_cpu = float("inf")
    median = float("nan")
    for r in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        sampler = Sampler(histories, settings, seed=seed)
        sampler.run()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        if r == 0:
            median = float(np.median(sampler.draws))
    return best_wall, best_cpu, median


def sweeps_per_second(histories: CaptureHistories, sweeps: int) -> float:
    settings = Settings(chains=1, burnin=sweeps, samples=4, thinning=1, threads=1)
    sampler = Sampler(histories, settings, seed=5)
    start = time.perf_counter()
    sampler.run()
    return (settings.sweeps) / (time.perf_counter() - start)


def time_to_convergence(histories: CaptureHistories, seed: int,
                        limit: int = 5_000) -> tuple[float, int, float, float]:
    """Run four chains (burn-in 10,000, thinning 100) in blocks of 100 kept draws until
    R-hat < 1.01 and ESS ≥ 400. Returns seconds, sweeps per chain, R-hat and ESS."""
    start = time.perf_counter()
    settings = Settings(chains=4, samples=limit, threads=2)
    sampler = Sampler(histories, settings, seed=seed)
    kept = 0
    rhat = ess = float("nan")
    while kept < limit:
        kept += 100
        sampler.run_to(settings.burnin + kept * settings.thinning)
        draws = sampler.draws[:, :kept]
        rhat, ess = split_rhat(draws), effective_sample_size(draws)
        if rhat < 1.01 and ess >= 400:
            break
    return (time.perf_counter() - start, settings.burnin + kept * settings.thinning + WARMUP,
            rhat, ess)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="kosovo and the largest only")
    parser.add_argument("--modes", action="store_true",
                        help="chains ten times as long on the multimodal data sets")
    parser.add_argument("--repeat", type=int, default=3, help="runs per data set (best kept)")
    args = parser.parse_args()

    warm = Sampler(load("spina_bifida_ny_3lists"), Settings(burnin=10, samples=4, thinning=1,
                                                            chains=1), seed=0)
    warm.run()  # compile (or load the cache) before any clock starts
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    if args.modes:
        for name in sorted(MULTIMODAL):
            settings = Settings(chains=4).scaled(10)
            sampler = Sampler(load(name), settings, seed=2025)
            start = time.perf_counter()
            sampler.run()
            draws = sampler.draws
            low, mid, high = np.quantile(draws, [0.025, 0.5, 0.975])
            medians = ", ".join(f"{np.median(c):,.0f}" for c in draws)
            modes = "; ".join(f"{m.median:,.0f} ({m.share:.0%})" for m in posterior_modes(draws))
            print(f"{name:40s} 4 chains × {settings.sweeps + WARMUP:,} sweeps: {low:,.0f} / "
                  f"{mid:,.0f} / {high:,.0f} (R's median {R_MEDIANS[name]:,})  R-hat "
                  f"{split_rhat(draws):.3f}  ESS {effective_sample_size(draws):.0f}  chain "
                  f"medians [{medians}]  modes [{modes}]  {time.perf_counter() - start:.0f} s",
                  flush=True)
        return

    names = ["kosovo_1999_4lists", LARGEST] if args.quick else list(R_SECONDS)
    settings = Settings(chains=1, threads=1)
    print(f"\nOne chain of {settings.sweeps + WARMUP:,} sweeps (K=10), one thread, best of "
          f"{args.repeat}; R/ours is R's wall time over ours (wall, and CPU):")
    print(f"{'data set':40s} {'cells':>5s} {'ours wall':>9s} {'ours cpu':>8s} {'R wall':>6s} "
          f"{'R/ours':>6s} {'(cpu)':>6s} {'median':>8s} {'R median':>8s}")
    for name in names:
        h = load(name)
        wall, cpu, median = one_chain(h, settings, seed=1234, repeat=args.repeat)
        mark = "*" if name in MULTIMODAL else " "
        print(f"{name:40s} {len(h.counts):5d} {wall:8.2f}s {cpu:7.2f}s {R_SECONDS[name]:5.1f}s "
              f"{R_SECONDS[name] / wall:5.1f}× {R_SECONDS[name] / cpu:5.1f}× {median:8,.0f} "
              f"{R_MEDIANS[name]:8,}{mark}", flush=True)

    print("\nGibbs sweeps per second (one chain, one thread):")
    big = synthetic()
    for label, h, sweeps in ((LARGEST, load(LARGEST), 100_000),
                             (f"synthetic: 10 lists, {big.n:,} seen, {len(big.counts)} cells",
                              big, 5_000)):
        print(f"  {label:58s} {sweeps_per_second(h, sweeps):10,.0f} sweeps/s", flush=True)

    print("\nTime to R-hat < 1.01 and ESS ≥ 400 on N (4 chains on 2 threads):")
    for name in ("kosovo_1999_4lists", "spina_bifida_ny_3lists"):
        seconds, sweeps, rhat, ess = time_to_convergence(load(name), seed=77)
        print(f"  {name:40s} {seconds:6.1f} s, {sweeps:,} sweeps per chain, R-hat {rhat:.4f},"
              f" ESS {ess:.0f}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
