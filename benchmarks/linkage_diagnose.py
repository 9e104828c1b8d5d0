"""Where linkage F1 is lost on simulated lists: missed and false pairs, counted by cause.

    .venv/bin/python benchmarks/linkage_diagnose.py [--records 100000] [--seed 1] [--show 10]
    .venv/bin/python benchmarks/linkage_diagnose.py --blocking [--records 300000]

Why: an F1 says how much is lost, not where. This links the simulator's lists exactly as
``benchmarks/linkage.py`` does (same threshold as the CLI's default) and sorts every true pair
the clusters miss, and every false pair they make, into causes a developer can act on:

- missed, *not scored*: no blocking rule brought the pair together (a blocking-recall fault);
- missed, *scored low*: the model saw the pair and gave it less than the threshold, split by
  what the best name keys say (different surname, same surname and different given name, same
  key) and whether one side lacks a birth date;
- false pairs by the same name and birth agreement (same key and same birth year: a genuinely
  ambiguous pair the lists cannot tell apart; anything else: the model over-trusted).

Before the causes it prints what moves with the list's size: the trained prior and each
level's m, u and weight; the pairs Splink's components joined and the chain split
(:mod:`surplace.linkage.clusters`) took apart, true and false; the calibration of the scored
pairs (per band of probability, the share that are true), and of those scored between 0.5 and
the threshold by cause. A calibrated model whose missed pairs sit below the threshold misses
them because the lists cannot tell them apart, not because it under-weighs them.

Pairs are enumerated within true persons and within predicted clusters, both small, so this
stays linear.

``--blocking`` links nothing: for each blocking rule of the model it counts the candidate pairs
the rule adds to those of the rules before it (what prediction pays for), the largest block
(records sharing the rule's keys: a block's pairs grow as its square, so the largest blocks
are what grows faster than the list), and the true pairs the rule finds alone and the share
found by it and the rules before it (the recall blocking allows).

All data is synthetic; names are printed only for the simulator's made-up persons.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from collections import Counter
from typing import Any

import pandas as pd

from surplace.linkage.features import build_features
from surplace.linkage.model import fit_predict
from surplace.linkage.run import PREDICT_FLOOR
from surplace.linkage.simulate import simulate

RECORDS_PER_PERSON = 2.07
THRESHOLD = 0.9


def _pairs_within(labels: pd.Series) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, ids in labels.groupby(labels).groups.items():
        members = sorted(str(i) for i in ids)
        out.update(itertools.combinations(members, 2))
    return out


def _name_cause(left: dict[str, Any], right: dict[str, Any]) -> str:
    if left["surname"] is None or right["surname"] is None:
        return "a name is unread or missing"
    cands_l, cands_r = set(left["name_cands"] or ()), set(right["name_cands"] or ())
    if left["name_key"] == right["name_key"]:
        return "same name key"
    if cands_l & cands_r:
        return "candidate keys overlap"
    if not set(left["surnames"] or ()) & set(right["surnames"] or ()):
        return "different surname"
    return "same surname, different given"


def _birth_cause(left: dict[str, Any], right: dict[str, Any]) -> str:
    if pd.isna(left["birth_lo"]) or pd.isna(right["birth_lo"]):
        return "birth missing"
    if left["birth_full"] is not None and left["birth_full"] == right["birth_full"]:
        return "same date"
    if not (pd.isna(left["birth_year"]) or pd.isna(right["birth_year"])) and \
            left["birth_year"] == right["birth_year"]:
        return "same year"
    if max(left["birth_lo"], right["birth_lo"]) <= min(left["birth_hi"], right["birth_hi"]):
        return "years overlap"
    return "births differ"


def diagnose(persons: int, seed: int, show: int) -> None:
    sim = simulate(persons, seed=seed)
    records = sim.records
    start = time.perf_counter()
    table = build_features(records).table
    fitted = fit_predict(table, threshold=THRESHOLD, floor=PREDICT_FLOOR)
    print(f"{len(records):,} records linked in {time.perf_counter() - start:.0f} s")
    ids = table["unique_id"].astype(str)
    truth = pd.Series(sim.truth.to_numpy(), index=ids)
    cluster = fitted.clusters.set_index(fitted.clusters["unique_id"].astype(str))["cluster_id"]
    cluster = cluster.reindex(ids)
    true_pairs, predicted = _pairs_within(truth), _pairs_within(cluster)
    correct = true_pairs & predicted
    precision, recall = len(correct) / max(len(predicted), 1), len(correct) / len(true_pairs)
    share = fitted.model["probability_two_random_records_match"]
    print(f"share of matching pairs: model {share:.3g}, "
          f"truth {len(true_pairs) / (len(ids) * (len(ids) - 1) / 2):.3g}")
    print(f"pairs: true {len(true_pairs):,}, predicted {len(predicted):,}, correct "
          f"{len(correct):,}; precision {precision:.4f} recall {recall:.4f} "
          f"F1 {2 * precision * recall / (precision + recall):.4f}")
    _print_model(fitted.model)
    before = fitted.components if fitted.components is not None else fitted.clusters
    component = before.set_index(before["unique_id"].astype(str))["cluster_id"].reindex(ids)
    joined = _pairs_within(component)
    print(f"before the split: predicted {len(joined):,}, correct {len(true_pairs & joined):,}; "
          f"the split removed {len(true_pairs & joined - predicted):,} true and "
          f"{len(joined - true_pairs - predicted):,} false pairs")
    scored = {tuple(sorted((str(a), str(b)))): float(p) for a, b, p in
              fitted.pairs[["unique_id_l", "unique_id_r", "match_probability"]]
              .itertuples(index=False)}
    _print_calibration(scored, truth)
    rows = table.set_index(ids).to_dict("index")
    raw = records.set_index(ids)[["source", "name", "family_name", "given_name", "birth"]]

    _print_calibration_by_cause(scored, truth, rows)
    missed: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for pair in true_pairs - predicted:
        left, right = rows[pair[0]], rows[pair[1]]
        if pair in scored:
            band = "scored low" if scored[pair] < THRESHOLD else "scored high"
        else:
            band = "not scored"
        if pair in joined:
            band += ", split apart"
        cause = f"{band}: {_name_cause(left, right)}; {_birth_cause(left, right)}"
        missed[cause] += 1
        examples.setdefault(cause, []).append(" | ".join(
            f"{raw.at[i, 'source']}: {raw.at[i, 'name'] or ''}"
            f"{raw.at[i, 'family_name'] or ''} {raw.at[i, 'given_name'] or ''}"
            f" ({rows[i]['name_key']}) {raw.at[i, 'birth']}" for i in pair))
    near: Counter[str] = Counter(
        "0.5–0.9" if p >= 0.5 else "0.2–0.5" if p >= 0.2 else "0.05–0.2"
        for pair in true_pairs - predicted if (p := scored.get(pair, 1.0)) < THRESHOLD)
    print("missed pairs scored low, by probability:", dict(sorted(near.items())))
    false: Counter[str] = Counter()
    for pair in predicted - true_pairs:
        left, right = rows[pair[0]], rows[pair[1]]
        direct = "direct" if scored.get(pair, 0.0) >= THRESHOLD else "chained"
        cause = f"{direct}: {_name_cause(left, right)}; {_birth_cause(left, right)}"
        false[cause] += 1
        examples.setdefault("FALSE " + cause, []).append(" | ".join(
            f"{raw.at[i, 'name'] or ''}{raw.at[i, 'family_name'] or ''} "
            f"{raw.at[i, 'given_name'] or ''} ({rows[i]['name_key']}) {raw.at[i, 'birth']}"
            for i in pair))
    for title, counts, prefix in (("missed pairs", missed, ""), ("false pairs", false, "FALSE ")):
        print(f"\n{title} ({sum(counts.values()):,}):")
        for cause, count in counts.most_common():
            print(f"{count:>8,}  {cause}")
            for example in examples[prefix + cause][:show]:
                print(f"{'':>12}{example}")


def _print_calibration(scored: dict[tuple[str, str], float], truth: pd.Series) -> None:
    """Per band of predicted probability, the share of its scored pairs that are true: a model
    calibrated on the list has each band's share within it."""
    frame = pd.DataFrame([(a, b, p) for (a, b), p in scored.items()],
                         columns=["l", "r", "p"])
    frame["true"] = truth.reindex(frame["l"]).to_numpy() == truth.reindex(frame["r"]).to_numpy()
    edges = [0.0, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.01]
    frame["band"] = pd.cut(frame["p"], edges, right=False)
    table = frame.groupby("band", observed=True).agg(pairs=("true", "size"),
                                                     true_share=("true", "mean"),
                                                     mean_p=("p", "mean"))
    print("calibration of scored pairs (share true vs mean probability):")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))


def _print_calibration_by_cause(scored: dict[tuple[str, str], float], truth: pd.Series,
                                rows: dict[str, dict[str, Any]]) -> None:
    """The pairs just below the threshold (0.5 to it), by cause: whether the model is unsure
    of them because they are ambiguous (share true as low as the probability says) or because
    it under-weighs some evidence (share true well above it)."""
    counts: dict[str, list[float]] = {}
    for (a, b), p in scored.items():
        if 0.5 <= p < THRESHOLD:
            left, right = rows[a], rows[b]
            cause = f"{_name_cause(left, right)}; {_birth_cause(left, right)}"
            entry = counts.setdefault(cause, [0, 0, 0.0])
            entry[0] += 1
            entry[1] += truth[a] == truth[b]
            entry[2] += p
    print(f"pairs scored 0.5–{THRESHOLD} by cause: pairs, share true, mean probability")
    for cause, (n, true, total) in sorted(counts.items(), key=lambda kv: -kv[1][0])[:12]:
        print(f"{int(n):>8,} {true / n:6.3f} {total / n:6.3f}  {cause}")


def _print_model(model: dict[str, Any]) -> None:
    """The trained prior and each level's m and u (what moves with the list's size)."""
    print(f"prior (share of matching pairs) {model['probability_two_random_records_match']:.3g}")
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = float(level["m_probability"]), float(level["u_probability"])
            print(f"  {comparison['output_column_name']:>7} m {m:8.4f} u {u:10.3g} "
                  f"log2 BF {math.log2(m / u):6.2f}  {level.get('label_for_charts', '')[:50]}")


def _rule_condition(rule: dict[str, Any]) -> str:
    """A blocking rule as a condition on one pair (an exploded array: any element shared)."""
    if rule.get("arrays_to_explode"):
        column = rule["arrays_to_explode"][0]
        return f'coalesce(list_has_any(l."{column}", r."{column}"), false)'
    return f"coalesce({rule['blocking_rule']}, false)"


def blocking(persons: int, seed: int) -> None:
    """Candidate pairs, largest block and recall of true pairs per blocking rule."""
    import duckdb
    from splink import DuckDBAPI, block_on
    from splink.blocking_analysis import count_comparisons_from_blocking_rules, n_largest_blocks

    from surplace.linkage.model import _TRAINING, surplace_settings

    sim = simulate(persons, seed=seed)
    table = build_features(sim.records).table.assign(truth=sim.truth.to_numpy())
    rules = surplace_settings().create_settings_dict("duckdb")[
        "blocking_rules_to_generate_predictions"]
    con = duckdb.connect()
    con.register("features", table)
    con.execute("CREATE TABLE records AS SELECT * FROM features")
    con.execute("CREATE TABLE true_pairs AS SELECT l.unique_id AS id_l, r.unique_id AS id_r "
                "FROM records l JOIN records r ON l.truth = r.truth AND l.unique_id < r.unique_id")
    conditions = [_rule_condition(rule) for rule in rules]
    # the true pairs each rule finds alone, and those found by it or a rule before it
    alone = ", ".join(f"sum(({c})::int)" for c in conditions)
    so_far = ", ".join(f"sum(({' OR '.join(conditions[:n + 1])})::int)"
                       for n in range(len(conditions)))
    true_pairs = con.execute("SELECT count(*) FROM true_pairs").fetchone()[0]  # type: ignore[index]
    found = con.execute(f"SELECT {alone}, {so_far} FROM true_pairs p "  # noqa: S608
                        "JOIN records l ON l.unique_id = p.id_l "
                        "JOIN records r ON r.unique_id = p.id_r").fetchone()
    assert found is not None
    db_api = DuckDBAPI()
    registered = db_api.register(table)
    counts = count_comparisons_from_blocking_rules(
        registered, blocking_rules=rules, link_type="dedupe_only",
        record_sample_proportion=0.2)
    print(f"{len(table):,} records, {true_pairs:,} true pairs; candidate pairs estimated from a "
          "20% sample on each side")
    print(f"{'rule (pairs: added to the rules above)':<62} {'new pairs':>12} {'largest':>8} "
          f"{'true alone':>10} {'recall so far':>13}")
    for n, (rule, count) in enumerate(zip(rules, counts, strict=True)):
        largest = "–"  # an exploded array's blocks are not counted by Splink
        if not rule.get("arrays_to_explode"):
            blocks = n_largest_blocks(registered, blocking_rule=rule, link_type="dedupe_only",
                                      n_largest=1).as_pandas_dataframe()  # type: ignore[no-untyped-call]
            largest = f"{int(blocks['count_l'].iloc[0]) if len(blocks) else 0:,}"
        text = rule["blocking_rule"].replace('"', "")[:62]
        print(f"{text:<62} {count['marginal_comparison_count']:>12,} {largest:>8} "
              f"{found[n] / true_pairs:>10.4f} {found[len(rules) + n] / true_pairs:>13.4f}")
    print(f"{'all rules':<62} {counts[-1]['cumulative_comparison_count']:>12,}")
    for columns in _TRAINING["surplace"][1]:
        rule = block_on(*columns)
        alone_count = count_comparisons_from_blocking_rules(
            registered, blocking_rules=rule, link_type="dedupe_only",
            record_sample_proportion=0.2)[0]["marginal_comparison_count"]
        blocks = n_largest_blocks(registered, blocking_rule=rule, link_type="dedupe_only",
                                  n_largest=1).as_pandas_dataframe()  # type: ignore[no-untyped-call]
        text = f"EM pass blocked on {', '.join(columns)}"
        print(f"{text:<62} {alone_count:>12,} {int(blocks['count_l'].iloc[0]):>8,}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="examples per cause")
    parser.add_argument("--blocking", action="store_true",
                        help="count candidate pairs and true pairs per blocking rule instead")
    args = parser.parse_args(argv)
    if args.blocking:
        blocking(max(10, round(args.records / RECORDS_PER_PERSON)), args.seed)
        return
    diagnose(max(10, round(args.records / RECORDS_PER_PERSON)), args.seed, args.show)


if __name__ == "__main__":
    main()
