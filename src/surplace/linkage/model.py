"""The Splink model: comparisons on surplace's keys, blocking, training, prediction, clusters.

Why these comparisons. A name agrees, strongest first, when the best readings are the same
key (金哲洙 = KIM CHOL SU), when any plausible readings share a key (Jin Zhezhu read as 김 or
진), when the surnames agree and the given names are alike (Jaro–Winkler on the given-name sound
"cholso" / "cholsu" — on the given part, not the whole phonetic key, so the shared surname
cannot lift the score), when only the raw strings are alike (the fallback that keeps
non-Korean names, such as FEBRL's, from losing anything: their surname class is "?neumann"),
when the surnames agree and the given names are less alike (Jaro–Winkler ≥ 0.75: a slip the
reader could not undo), when only the surname agrees. The same key weighs more when the key is
rare (:func:`key_frequencies`: Splink's term-frequency adjustment, with each key's frequency
modelled from its surname's and its given name's). Births go exact →
day/month swapped → same year-month → same year → the same day and month a year apart (a slip
in the year, which lists make) → within a year (an age's two-year interval counts as its
interval); origins same place → same province → same text. Every level is trained, not set:
u by random sampling, m by EM in
two passes, each blocked on columns the other pass estimates (name+given trains birth, sex and
origin; the full birth date trains the name).

Clusters are Splink's connected components at the threshold, split where a chain of links
joins records the model is sure are two persons (:mod:`surplace.linkage.clusters`).

Blocking keeps recall across scripts: every candidate key (an exploded array, so an ambiguous
romanisation meets each of its readings), surname + the given sound's first letter + birth
year-month, surname + the given sound's first two letters + birth year (either end of an age's
interval), which finds a slip later in the given name, and the full birth date (which catches
names no key could read). Every block's pairs grow as the square of the list, so each rule is
as narrow as recall allows: the rules this replaced (surname + year-month alone; given sound +
year or province; the phonetic key's first four letters + year, which for 정 "chong…" holds
no letter of the given name) made 2.2 million candidate pairs at 100,000 records and 19.4
million at 300,000 (about 210 million at a million), these 0.73 and 5.9 million (about 60
million), with the same F1 at 100,000 (0.9512 both; of the pairs scored 0.5 or more, 52 in
100,500 are no longer found, none at 0.9 or more). ``benchmarks/linkage_diagnose.py
--blocking`` counts, per rule, the pairs it adds and the true pairs it finds.

The "plain" configuration is what a user gets from Splink without the name keys: the lowercased
name as written, compared exactly, by Jaro–Winkler and Levenshtein, and the *same* birth and
sex comparisons, so the difference between the two measures the names alone.

Running on Spark. Nothing here is DuckDB-specific: the levels are Splink creators (translated
to each dialect) or SQL that DuckDB and Spark SQL both read (``greatest``, ``least``,
comparisons), and the features are plain columns. ``fit_predict(…, backend="spark")`` (and
``surplace link … --backend spark``) runs the same settings, training and clustering on
Splink's ``SparkAPI`` (:mod:`surplace.linkage.spark` says which session, and how to point it
at a cluster); ``tests/linkage/test_spark.py`` compares its clusters with DuckDB's.

Reviewers' decisions (``labels``) re-weigh m after EM: :mod:`surplace.linkage.labels`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.exceptions import SplinkException

from surplace.linkage.spark import Backend, database

Kind = Literal["surplace", "plain"]
Progress = Callable[[str], None]
log = logging.getLogger(__name__)
#: The share of true pairs the deterministic rules (same name key and same full date) are
#: assumed to find, to turn their count into the prior: most pairs lack a full date on one side.
PRIOR_RECALL = 0.3
#: An EM pass runs only on a block of at least this many pairs. Splink's EM estimates the
#: block's share of matches alongside m; on a handful of pairs that agree (or disagree) on
#: everything the pass is training, that share converges to exactly 1 (or 0) in floating
#: point, and Splink then fails: the log-odds of 1 is a math domain error, and at 0 every
#: pair's match probability underflows, so each m comes out as 0, which Splink refuses (the
#: "m_probability below the minimum allowed" of small lists); a block of no pair it refuses
#: outright (EMTrainingException). On the simulator's lists of two persons the failing blocks
#: held 0 to 3 pairs. Twenty was too many: a list of 50 records (two sources of 70 persons)
#: has 19 pairs in its name-key block, and EM on them is what links it (recall 0.47 without).
MIN_EM_PAIRS = 5
#: No level's m is below this after training (see :func:`adjust_parameters`).
M_FLOOR = 0.005
#: How much of a name key's rarity enters the "same name key" weight (Splink's
#: ``tf_adjustment_weight``: 1 is all of it, 0 none).
KEY_RARITY_WEIGHT = 1.0

_BIRTH_LEVELS: list[ComparisonLevelCreator | dict[str, Any]] = [
    cll.CustomLevel("birth_lo_l IS NULL OR birth_lo_r IS NULL").configure(is_null_level=True),
    cll.CustomLevel("birth_full_l = birth_full_r", "exact date"),
    cll.CustomLevel("birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
                    "AND birth_day_l = birth_month_r", "day and month swapped"),
    cll.CustomLevel("birth_ym_l = birth_ym_r", "same year and month"),
    cll.CustomLevel("birth_year_l = birth_year_r", "same year"),
    cll.CustomLevel("greatest(birth_lo_l, birth_lo_r) <= least(birth_hi_l, birth_hi_r)",
                    "an age's interval holds the other year"),
    cll.CustomLevel("birth_month_l = birth_month_r AND birth_day_l = birth_day_r "
                    "AND abs(birth_year_l - birth_year_r) = 1", "same day, year one apart"),
    cll.CustomLevel("greatest(birth_lo_l, birth_lo_r) - least(birth_hi_l, birth_hi_r) <= 1",
                    "within one year"),
    cll.ElseLevel(),
]


def _birth() -> cl.CustomComparison:
    return cl.CustomComparison(_BIRTH_LEVELS, output_column_name="birth")


def _sex() -> cl.ExactMatch:
    return cl.ExactMatch("sex")


def _name() -> cl.CustomComparison:
    return cl.CustomComparison([
        cll.NullLevel("name_raw"),
        cll.ExactMatchLevel("name_key"),
        cll.ArrayIntersectLevel("name_cands", 1),
        cll.And(cll.ArrayIntersectLevel("surnames", 1), cll.JaroWinklerLevel("given", 0.88)),
        cll.JaroWinklerLevel("name_raw", 0.92),
        cll.And(cll.ArrayIntersectLevel("surnames", 1), cll.JaroWinklerLevel("given", 0.75)),
        cll.ArrayIntersectLevel("surnames", 1),
        cll.JaroWinklerLevel("name_raw", 0.8),
        cll.ElseLevel(),
    ], output_column_name="name")


def _origin() -> cl.CustomComparison:
    return cl.CustomComparison([
        cll.NullLevel("origin_raw"),
        cll.CustomLevel("origin_code_l = origin_code_r", "same place"),
        cll.CustomLevel("origin_province_l = origin_province_r", "same province"),
        cll.CustomLevel("origin_raw_l = origin_raw_r", "same text"),
        cll.ElseLevel(),
    ], output_column_name="origin")


def _plain_name() -> cl.CustomComparison:
    return cl.CustomComparison([
        cll.NullLevel("name_lower"),
        cll.ExactMatchLevel("name_lower"),
        cll.JaroWinklerLevel("name_lower", 0.92),
        cll.LevenshteinLevel("name_lower", 2),
        cll.JaroWinklerLevel("name_lower", 0.8),
        cll.ElseLevel(),
    ], output_column_name="name")


def surplace_settings() -> SettingsCreator:
    """Comparisons on surplace's keys and the blocking rules that find the candidate pairs."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[_name(), _birth(), _sex(), _origin()],
        blocking_rules_to_generate_predictions=[
            block_on("name_cands", arrays_to_explode=["name_cands"]),
            block_on("surname", "substr(given, 1, 1)", "birth_ym"),
            block_on("surname", "substr(given, 1, 2)", "birth_lo"),
            block_on("surname", "substr(given, 1, 2)", "birth_hi"),
            block_on("birth_full"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def plain_settings() -> SettingsCreator:
    """The baseline: raw-string name comparisons, the same birth and sex comparisons."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[_plain_name(), _birth(), _sex()],
        blocking_rules_to_generate_predictions=[
            block_on("name_lower"),
            block_on("substr(name_lower, 1, 3)", "birth_year"),
            block_on("birth_full"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


_TRAINING: dict[Kind, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
    # (columns the deterministic rule for the prior joins on, EM blocking passes)
    "surplace": (("name_key", "birth_full"), [("name_key",), ("birth_full",)]),
    "plain": (("name_lower", "birth_full"), [("name_lower",), ("birth_full",)]),
}
#: The prior never exceeds this: a tiny list can have more sure pairs than PRIOR_RECALL
#: allows, and a share of 1 (every pair a match) has no log-odds.
MAX_PRIOR = 0.5


def prior_share(data: pd.DataFrame, sure_columns: Sequence[str]) -> float:
    """The share of matching pairs: the sure pairs (equal on all of ``sure_columns``), taken
    as :data:`PRIOR_RECALL` of the matches, over all pairs — what Splink's
    ``estimate_probability_two_random_records_match`` computes, here because Splink's fails
    or returns a boundary on small lists (more sure pairs than the recall allows: an error;
    none: a share of 0; exactly the recall: 1), and EM then fails on it. No sure pair gives
    one match per record (1/n); the share is at most :data:`MAX_PRIOR`."""
    count = len(data)
    total = count * (count - 1) / 2
    sure = block_pairs(data, sure_columns)
    if not total:
        return MAX_PRIOR
    if not sure:
        return min(1 / count, MAX_PRIOR)
    return min(sure / PRIOR_RECALL / total, MAX_PRIOR)


def block_pairs(data: pd.DataFrame, columns: Sequence[str]) -> int:
    """The pairs a blocking rule of equality on ``columns`` makes (a missing value joins
    nothing, as in SQL)."""
    sizes = data.groupby(list(columns), dropna=True).size()
    return int((sizes * (sizes - 1) // 2).sum())


def _degenerate_share(error: Exception) -> bool:
    """Whether Splink failed on EM's boundary: a block's share of matches of exactly 1 (its
    log-odds: a math domain error, or an infinite prior weight written into the SQL as the
    column "inf"), or an m so near 0 that Splink refuses it ("below the minimum allowed")."""
    text = str(error)
    return ("math domain error" in text or "below the minimum allowed" in text
            or 'Referenced column "inf"' in text)


def floor_m(model: dict[str, Any], *, untrained: bool = False) -> dict[str, Any]:
    """``model`` (Splink's settings dictionary, changed in place) with no level's m below
    :data:`M_FLOOR`, each comparison's m summing to one again. A comparison with no m yet
    keeps Splink's starting values between passes; with ``untrained`` (the finished model)
    it is floored too, every level at the floor."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        if not untrained and all(lv.get("m_probability") is None for lv in levels):
            continue
        # A level a pass did not observe has no m: as good as 0, so it gets the floor.
        m_values = [max(float(lv.get("m_probability") or 0.0), M_FLOOR) for lv in levels]
        for level, m in zip(levels, m_values, strict=True):
            level["m_probability"] = m / sum(m_values)
    return model


def adjust_parameters(model: dict[str, Any]) -> dict[str, Any]:
    """Two corrections to a trained model (Splink's settings dictionary), returned changed.

    u from random sampling counts the matching pairs in the sample as non-matches: on a list
    of n records where each person appears about twice, one random pair in n is a match, and
    the "same name key" level's u is then mostly matches (6e-4 where non-matches share a key
    about 1e-5 of the time), so a shared rare name is discounted a hundredfold. The sample is
    a mixture λ·m + (1−λ)·u, so u is recovered as (u − λ·m)/(1 − λ), at most 50-fold lower.
    And EM sets m to 0 for a level it never saw among matches (a sex written wrong): one clerk's
    slip would then veto a match whatever else agrees, so m is floored at :data:`M_FLOOR`.
    """
    share = float(model["probability_two_random_records_match"])
    floor_m(model, untrained=True)
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        u_values = []
        for level in levels:
            u = float(level.get("u_probability") or 1e-9)
            m = float(level["m_probability"])
            u_values.append(max((u - share * m) / (1 - share), u / 50, 1e-9))
        u_total = sum(u_values)
        for level, u in zip(levels, u_values, strict=True):
            level["u_probability"] = u / u_total
    return model


def key_frequencies(table: pd.DataFrame, u_same_key: float) -> pd.DataFrame:
    """How common each name key is, as Splink's term-frequency lookup (``name_key``,
    ``tf_name_key``), so that a shared rare key counts for more than a shared common one.

    Why not Splink's own table (each key's share of the records): a list cannot show a
    frequency below one in its length, and a person seen in four lists makes their key four
    times as common — so a key seen once or twice, which is most keys, would look as common as
    it can possibly look, and the pairs the adjustment should lift most (the same rare name,
    one birth date missing) would gain nothing. Instead a key's frequency is modelled as its
    surname class's share times its given-name sound's share (both common enough to count: 김
    is a fifth of many lists, and a given name recurs across surnames), which reaches below one
    in the list's length where names really are rare. The frequencies are then scaled so that,
    over pairs of different persons who share a key, the adjustment averages to nothing: under
    this model two random records share a key with probability U = Σs²·Σg² (s, g the surname
    and given-name shares), a shared key k of frequency f is met with probability f²/U among
    them and Splink multiplies its Bayes factor by u/tf; with tf = f·u/U that averages to one.
    The adjustment redistributes the level's weight among keys; it adds none of its own.
    """
    keyed = table.loc[table["name_key"].notna(), ["name_key", "surname", "given"]]
    surnames = keyed["surname"].value_counts(normalize=True)
    givens = keyed["given"].value_counts(normalize=True)
    frequency = (keyed["surname"].map(surnames) * keyed["given"].map(givens)).groupby(
        keyed["name_key"]).first()
    both = float((surnames ** 2).sum() * (givens ** 2).sum())
    scale = u_same_key / both if both else 1.0
    return pd.DataFrame({"name_key": frequency.index.astype(str),
                         "tf_name_key": (frequency * scale).to_numpy(dtype=float)})


def with_key_rarity(model: dict[str, Any]) -> tuple[dict[str, Any], float] | None:
    """The model with the term-frequency adjustment on its "same name key" level, and that
    level's u; None for a model without one (the plain configuration)."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("label_for_charts") == "Exact match on name_key":
                level["tf_adjustment_column"] = "name_key"
                level["tf_adjustment_weight"] = KEY_RARITY_WEIGHT
                return model, float(level["u_probability"])
    return None


@dataclass
class Fitted:
    """Predicted pairs (unique_id_l, unique_id_r, match_probability) and the clusters
    (unique_id, cluster_id) at the threshold."""

    pairs: pd.DataFrame
    clusters: pd.DataFrame
    #: The trained model as Splink's settings dictionary (levels with their m and u).
    model: dict[str, Any]
    #: What the decisions given as labels did to the model (None without labels).
    labels: dict[str, Any] | None = None
    #: Probability → the number of scored pairs at or above it (the floor and each band;
    #: only pairs touching the given records when ``touching`` was given).
    at_least: dict[float, int] = field(default_factory=dict)
    #: Splink's connected components before :func:`~surplace.linkage.clusters.split_contradictions`
    #: (unique_id, cluster_id): what the split changed, for diagnosis.
    components: pd.DataFrame | None = None


def fit_predict(table: pd.DataFrame, *, kind: Kind = "surplace", threshold: float = 0.9,
                progress: Progress | None = None, u_pairs: float = 2e6,
                seed: int = 7, floor: float = 0.05, backend: Backend = "duckdb",
                labels: pd.DataFrame | None = None, keep: float | None = None,
                bands: Sequence[float] = (), touching: Collection[str] | None = None
                ) -> Fitted:
    """Train the model on ``table`` (from :func:`~surplace.linkage.features.build_features`),
    score the blocked pairs (those at ``floor`` or above are clustered and counted; only those
    at ``keep`` or above, default ``floor``, are returned: the rest stay in the database) and
    cluster them at ``threshold``, in a fresh database of ``backend`` (DuckDB in memory with
    bounded memory, :mod:`surplace.linkage.engine`, or Spark: nothing is left on disk).
    ``bands``: probabilities to count pairs at or above (:attr:`Fitted.at_least`).
    ``touching``: if given, only pairs with a record of these ids are returned and counted
    (an incremental run's new records: pairs of old records stay in the database).
    ``labels`` (unique_id_l, unique_id_r, match: 1 accepted, 0 rejected) are reviewers'
    decisions: they re-weigh m after EM (:mod:`surplace.linkage.labels`)."""
    with database(backend) as db_api:
        return _fit_predict(db_api, table, kind=kind, threshold=threshold,
                            note=progress or (lambda _stage: None), u_pairs=u_pairs,
                            seed=seed, floor=floor, labels=labels,
                            keep=floor if keep is None else keep, bands=tuple(bands),
                            touching=touching)


def _fit_predict(db_api: Any, data: pd.DataFrame, *, kind: Kind, threshold: float,
                 note: Progress, u_pairs: float, seed: int, floor: float,
                 labels: pd.DataFrame | None, keep: float, bands: tuple[float, ...],
                 touching: Collection[str] | None) -> Fitted:
    logging.getLogger("splink").setLevel(logging.ERROR)
    settings = surplace_settings() if kind == "surplace" else plain_settings()
    sure_columns, passes = _TRAINING[kind]
    note("estimating the share of matching pairs")
    settings.probability_two_random_records_match = prior_share(data, sure_columns)
    registered = db_api.register(data)
    linker = Linker(registered, settings, log_level=None)
    note("estimating u by random sampling")
    # Every sampled pair counts (min_count_per_level=None): Splink otherwise stops at the
    # first chunk of pairs where each level has been seen 100 times, and the chunks are cut
    # by the records' ids, which are random. u then varied from run to run of the same
    # list, and so did EM's birth-date pass (see em_pass): on the demo's test list the
    # pairwise recall ranged 0.79-0.81, precision fell to 0.73 in one run of seven.
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed,
                                                     min_count_per_level=None)
    for columns in passes:
        note(f"estimating m by EM (blocked on {', '.join(columns)})")
        if (found := block_pairs(data, columns)) < MIN_EM_PAIRS:
            # Too few pairs to tell matches from non-matches: EM would drive the block's own
            # share of matches to 0 or 1 (see MIN_EM_PAIRS); the levels keep Splink's
            # starting m, floored by adjust_parameters, and the other pass stands.
            log.info("EM blocked on %s skipped: %d pairs", ", ".join(columns), found)
            continue
        linker = em_pass(linker, registered, columns)
    trained = adjust_parameters(linker.misc.save_model_to_json())
    frequencies = None
    if KEY_RARITY_WEIGHT and (rare := with_key_rarity(trained)) is not None:
        trained, u_same_key = rare
        frequencies = key_frequencies(data, u_same_key)
    report = None
    if labels is not None and len(labels):
        from surplace.linkage.labels import fit_to_labels, score_pairs

        note("re-weighing the model by reviewers' decisions")
        scored = score_pairs(db_api, data, labels, trained, frequencies=frequencies)
        trained, fit = fit_to_labels(trained, scored, labels["match"])
        report = fit.as_dict()
    linker = Linker(registered, trained, log_level=None)
    if frequencies is not None:
        linker.table_management.register_term_frequency_lookup(
            db_api.register(frequencies), "name_key")
    note("scoring candidate pairs")
    predicted = linker.inference.predict(threshold_match_probability=floor,
                                         warning_mode="never")
    note("clustering into persons")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predicted, threshold_match_probability=threshold)
    # The pairs stay in the database: only counts, the pairs at ``keep`` or above and the
    # components the split examines come out (a million records make millions of pairs).
    pairs_table, clusters_table = predicted.physical_name, clustered.physical_name
    # Table names are Splink's and numbers are ours: no value of a record enters the SQL.
    where = "TRUE"
    if touching is not None:
        ids = db_api.register(pd.DataFrame({"unique_id": sorted(touching)}, dtype=str))
        within_ids = f"IN (SELECT unique_id FROM {ids.physical_name})"  # noqa: S608
        where = f"(unique_id_l {within_ids} OR unique_id_r {within_ids})"
    edges = sorted({floor, *bands})
    sums = ", ".join(f"coalesce(sum(CASE WHEN match_probability >= {edge!r} THEN 1 ELSE 0 END)"
                     f", 0) AS n{n}" for n, edge in enumerate(edges))
    counts = db_api.query_sql(f"SELECT {sums} FROM {pairs_table} WHERE {where}",  # noqa: S608
                              output_type="pandas").iloc[0]
    at_least = {edge: int(counts[f"n{n}"]) for n, edge in enumerate(edges)}
    wanted = f"match_probability >= {max(keep, floor)!r} AND {where}"
    pairs = db_api.query_sql("SELECT unique_id_l, unique_id_r, match_probability "  # noqa: S608
                             f"FROM {pairs_table} WHERE {wanted}", output_type="pandas")
    clusters = db_api.query_sql(f"SELECT unique_id, cluster_id FROM {clusters_table}",  # noqa: S608
                                output_type="pandas")
    components = clusters
    if kind == "surplace":
        from surplace.linkage.clusters import split_contradictions
        from surplace.linkage.labels import score_pairs

        def score(pairs_to_score: pd.DataFrame) -> pd.Series:
            scored = score_pairs(db_api, data, pairs_to_score, trained, frequencies=frequencies)
            probability: pd.Series = scored["match_probability"]
            return probability

        note("splitting chains that join two persons")
        examined, within = _examined(db_api, clusters_table, pairs_table)
        split = split_contradictions(examined, within, threshold, score)
        clusters = clusters.assign(unique_id=clusters["unique_id"].astype(str))
        new_ids = clusters["unique_id"].map(split.set_index("unique_id")["cluster_id"])
        clusters["cluster_id"] = new_ids.where(new_ids.notna(),
                                               clusters["cluster_id"].astype(str))
    predicted.drop_table_from_database_and_remove_from_cache()
    return Fitted(pairs=pairs.reset_index(drop=True), clusters=clusters,
                  model=linker.misc.save_model_to_json(), labels=report, at_least=at_least,
                  components=components)


def em_pass(linker: Linker, registered: Any, columns: tuple[str, ...]) -> Linker:
    """One EM pass blocked on ``columns``; a linker holding its result, m floored.

    On clean fields EM drives the m of a level no match shows (two records of one person
    with different origins) towards 0 by a factor every iteration, and Splink refuses an m
    below 1e-300 mid-pass; a block whose pairs are all certain matches drives the share of
    matches to 1, whose log-odds is infinite (Splink fails in Python or in its SQL). Both
    are the boundary EM converges to, reached within the pass's iterations, so the pass is
    run again from where it started with half as many iterations, until it stops short of
    the boundary (after which :func:`floor_m` lifts the vanishing m). With no iteration
    left, the pass is skipped."""
    before = linker.misc.save_model_to_json()
    configured = int(before.get("max_iterations") or 25)  # Splink's default
    iterations = configured
    while True:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True)
            break
        except (ValueError, SplinkException) as error:
            if not _degenerate_share(error):
                raise
            iterations //= 2
            if iterations < 1:
                log.warning("EM blocked on %s: every pair of the block is certain; "
                            "pass skipped", ", ".join(columns))
                return Linker(registered, before, log_level=None)
            log.info("EM blocked on %s reached a boundary; again with %d iterations",
                     ", ".join(columns), iterations)
            linker = Linker(registered, {**before, "max_iterations": iterations},
                            log_level=None)
    # The floor applies before the next pass too: a level this pass saw almost no match
    # at would make the next pass's pairs at it so improbable that their m underflows.
    trained = floor_m(linker.misc.save_model_to_json())
    trained["max_iterations"] = configured
    return Linker(registered, trained, log_level=None)


def _examined(db_api: Any, clusters_table: str, pairs_table: str
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The components the split examines (records and their predicted pairs), from the
    database: only these need Python (:mod:`surplace.linkage.clusters`)."""
    from surplace.linkage.clusters import MAX_COMPONENT

    size = "count(*) OVER (PARTITION BY cluster_id) AS size"
    sizes = f"SELECT unique_id, cluster_id, {size} FROM {clusters_table}"  # noqa: S608
    members = f"SELECT unique_id, cluster_id FROM ({sizes}) "  # noqa: S608
    members += f"WHERE size BETWEEN 3 AND {MAX_COMPONENT}"
    examined = db_api.query_sql(members, output_type="pandas")
    within = db_api.query_sql(
        f"WITH m AS ({members}) "  # noqa: S608
        f"SELECT p.unique_id_l, p.unique_id_r, p.match_probability FROM {pairs_table} p "
        "JOIN m l ON p.unique_id_l = l.unique_id JOIN m r ON p.unique_id_r = r.unique_id "
        "WHERE l.cluster_id = r.cluster_id", output_type="pandas")
    return examined, within


def describe(kind: Kind, backend: Backend = "duckdb") -> dict[str, Any]:
    """The settings as Splink's dictionary in ``backend``'s dialect (for a run record)."""
    settings = surplace_settings() if kind == "surplace" else plain_settings()
    settings_dict: dict[str, Any] = settings.create_settings_dict(backend)
    return settings_dict
