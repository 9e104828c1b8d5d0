"""Proposing a mapping from a file: its headers, its HXL hashtags, its XLSForm, a sample of rows.

A header is matched to a field by the synonyms of :mod:`surplace.io.fields` (exactly after
folding, then with rapidfuzz's ratio at 85 or more for synonyms of four characters or more, so
that 名 or 성 match only exactly); an HXL hashtag by the shared tag table read backwards; a form
question by its name and label. Each field goes to the best-matching column; the rest are kept as
``extra``. Submission metadata (``_id``, ``_uuid``, ``meta/…``, ``__system/…``) is never taken for
a field. The first rows are read to propose the date order, the sex values' terms, select-multiple
columns exported one per choice, and repeat groups; the notes say what the person should check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from rapidfuzz import fuzz

from surplace.io.fields import (
    EXTRA,
    FIELDS,
    IDENTITY_HEADERS,
    SUBMISSION_TIME_HEADERS,
    SYNONYMS,
    fields_by_hxl,
    header_key,
    hxl_key,
)
from surplace.io.mapping import COPYABLE, Mapping, RepeatMapping
from surplace.io.readers import XlsForm, find_child_files, open_reader, read_xlsform
from surplace.io.readers.base import Row
from surplace.io.values import (
    Vocabulary,
    date_order_evidence,
    is_blank,
    parse_date,
    sex_vocabulary,
)

SAMPLE_ROWS = 200
FUZZY_CUTOFF = 85
_SYSTEM_PREFIXES = ("_", "meta/", "meta-", "formhub/", "__system", "__version")
_SYSTEM = {"KEY", "PARENT_KEY", "SubmissionDate", "SubmitterID", "SubmitterName",
           "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
           "Edits", "FormVersion", "start", "end", "today", "deviceid", "instanceID"}
_FLAGS = {"0", "1", "true", "false", ""}
#: Words for "name" that mean the given name when a family-name column stands beside them.
_GIVEN_TOO = {"이름", "名字", "name"}
_KEYED = {header_key(s): field for field, words in SYNONYMS.items() for s in words}
_FUZZY = [(header_key(s), field) for field, words in SYNONYMS.items() for s in words
          if len(header_key(s)) >= 4]


def _is_system(column: str) -> bool:
    return column.startswith(_SYSTEM_PREFIXES) or column in _SYSTEM


def _score(text: str) -> tuple[str, float] | None:
    key = header_key(text)
    if not key:
        return None
    if key in _KEYED:
        return _KEYED[key], 100.0
    best: tuple[str, float] | None = None
    for synonym, field in _FUZZY:
        score = fuzz.ratio(key, synonym)
        if score >= FUZZY_CUTOFF and (best is None or score > best[1]):
            best = (field, score)
    return best


def _candidate(column: str, form: XlsForm | None, hxl: bool) -> tuple[str, float] | None:
    if hxl:
        field = fields_by_hxl().get(hxl_key(column))
        return (field, 100.0) if field else None
    found = _score(column)
    question = form.question(column) if form else None
    if question is not None:
        for text in (question.name, question.label):
            other = _score(text) if text else None
            if other and (found is None or other[1] > found[1]):
                found = other
        list_name = (question.list_name or "").casefold()
        if question.type == "select_one" and ("sex" in list_name or "gender" in list_name):
            found = ("sex", 100.0)
        if found and question.type in ("date", "datetime", "dateTime") and \
                FIELDS[found[0]].kind not in ("date", "birth"):
            found = None
    return found


def match_columns(headers: list[str], form: XlsForm | None = None, *,
                  hxl: bool = False, dashes: bool = False) -> dict[str, str]:
    """column → field for the best match of each field, ``extra`` for the rest. ``dashes``:
    groups are joined by ``-`` (ODK Central's CSV: ``person-name``)."""
    scored = []
    for order, column in enumerate(headers):
        if _is_system(column):
            continue
        found = _candidate(column.replace("-", "/") if dashes else column, form, hxl)
        if found:
            scored.append((-found[1], order, column, found[0]))
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    losers = []
    for _, _, column, field in sorted(scored):
        if field not in taken:
            chosen[column] = field
            taken.add(field)
        else:
            losers.append((column, field))
    # 이름 or 名字 beside a family-name column is the given name (성 + 이름, 姓 + 名字).
    if "family_name" in taken and "given_name" not in taken:
        for column, field in [*losers, *((c, f) for c, f in chosen.items() if f == "name")]:
            if field == "name" and header_key(column) in _GIVEN_TOO:
                chosen[column] = "given_name"
                taken.add("given_name")
                break
    return {column: chosen.get(column, EXTRA) for column in headers}


def _split_columns(headers: list[str], sample: list[Row],
                   form: XlsForm | None) -> dict[str, list[str]]:
    """Select-multiple questions exported as one 0/1 column per choice (``needs/food``)."""
    found: dict[str, list[str]] = {}
    if form is not None:
        for question in form.questions:
            if question.type != "select_multiple":
                continue
            for base in (question.path, question.path.replace("/", "-"), question.name):
                names = form.choices.get(question.list_name or "", {})
                split = [f"{base}/{choice}" for choice in names if f"{base}/{choice}" in headers]
                if split:
                    found[base] = split
                    break
        return found
    for column in headers:
        base, slash, _ = column.rpartition("/")
        if not slash or _is_system(column):
            continue
        values = {row.values.get(column, "").strip().casefold() for row in sample}
        if values <= _FLAGS and (base in headers or any(h.startswith(base + "/") and h != column
                                                        for h in headers)):
            found.setdefault(base, []).append(column)
    return {base: columns for base, columns in found.items() if len(columns) > 1}


def _sample_values(sample: list[Row], column: str | None) -> list[str]:
    if column is None:
        return []
    return [row.values[column] for row in sample if not is_blank(row.values.get(column))]


def _date_order(sample: list[Row], columns: list[str]) -> tuple[str, str | None]:
    votes = Counter(order for column in columns for value in _sample_values(sample, column)
                    if (order := date_order_evidence(value)))
    if not votes:
        return "dmy", None
    order = votes.most_common(1)[0][0]
    if len(votes) > 1:
        return order, (f"dates read both day-first and month-first ({dict(votes)}); "
                       f"date_order {order} is the majority: check it")
    return order, None


def _entries(rows: list[Row]) -> Iterator[tuple[str, Row]]:
    """(group, entry) of every repeat entry below ``rows``, nested ones included."""
    for row in rows:
        for group, children in row.children.items():
            for child in children:
                yield group, child
            yield from _entries(children)


def _child_headers(reader_children: dict[str, list[str]], sample: list[Row]) -> dict[
        str, list[str]]:
    groups = {group: list(headers) for group, headers in reader_children.items()}
    for group, child in _entries(sample):
        known = groups.setdefault(group, [])
        known += [c for c in child.values if c not in known]
    return groups


def _sex_values(sample: list[Row], column: str | None, form: XlsForm | None,
                notes: list[str]) -> dict[str, str]:
    vocabulary = sex_vocabulary()
    mapped: dict[str, str] = {}
    question = form.question(column) if form and column else None
    if question is not None and question.list_name:
        for name, label in form.choices.get(question.list_name, {}).items() if form else []:
            for text in (name, label):
                try:
                    mapped[name] = vocabulary.term(text)
                    break
                except ValueError:
                    continue
    for value in sorted(set(_sample_values(sample, column))):
        try:
            vocabulary.term(value, mapped)
        except ValueError:
            guess = vocabulary.closest(value)
            if guess:
                mapped[value] = guess
                notes.append(f"values.sex: {value!r} → {guess} is a guess: check it")
            else:
                notes.append(f"values.sex: {value!r} is not a known term: map it to F, M or X")
    known = {v for v in mapped if not _plain_term(vocabulary, v)}
    return {k: v for k, v in mapped.items() if k in known}


def _plain_term(vocabulary: Vocabulary, value: str) -> bool:
    try:
        vocabulary.term(value)
        return True
    except ValueError:
        return False


def propose(path: Path, *, xlsform: Path | None = None, format: str | None = None,
            encoding: str | None = None) -> tuple[Mapping, list[str]]:
    form = read_xlsform(xlsform) if xlsform is not None else None
    with open_reader(path, format=format, encoding=encoding) as reader:
        sample = list(islice(reader.rows(), SAMPLE_ROWS))
        headers, fmt, notes = list(reader.headers), reader.format, list(reader.notes)
        if not reader.fixed_columns:
            for row in sample:
                headers += [column for column in row.values if column not in headers]
        identity = getattr(reader, "identity_column", None)
        codec = reader.encoding
        children = _child_headers(reader.child_headers, sample)
    split = _split_columns(headers, sample, form)
    consumed = {column for columns in split.values() for column in columns}
    columns = match_columns([h for h in headers if h not in consumed], form, hxl=fmt == "hxl",
                            dashes=fmt == "odk-csv")
    if identity is None:
        identity = next((h for h in headers if h in IDENTITY_HEADERS
                         or header_key(h) in {header_key(i) for i in IDENTITY_HEADERS}), None)
    if identity is None:
        notes.append("no column identifies a row: a corrected row will be imported as a new "
                     "record, not as a correction; set identity: if the file has one")
    fields = {field: column for column, field in columns.items() if field in FIELDS}
    order, warning = _date_order(sample, [fields[f] for f in ("birth", "event_date")
                                          if f in fields])
    notes += [warning] if warning else []
    values = {"sex": v} if (v := _sex_values(sample, fields.get("sex"), form, notes)) else {}
    repeats: dict[str, RepeatMapping] = {}
    files = find_child_files(path, encoding) if fmt == "odk-csv" else {}
    for group, child_headers in children.items():
        child_columns = match_columns(child_headers, form)
        repeat = RepeatMapping(columns=child_columns,
                               copy=[f for f in COPYABLE if f in fields])
        if group in files:
            repeat.file, repeat.parent = files[group][0].name, files[group][3]
        repeats[group] = repeat
        if not any(target in FIELDS for target in child_columns.values()):
            notes.append(f"repeats.{group}: no column matched a field; map its columns or "
                         "remove the group (its entries are then kept in the parent's extra)")
    births = _sample_values(sample, fields.get("birth"))
    for group, repeat in repeats.items():
        birth = next((c for c, f in repeat.columns.items() if f == "birth"), None)
        births += [child.values[birth] for found, child in _entries(sample)
                   if found == group and birth and not is_blank(child.values.get(birth))]
    age_reference = _age_reference(births, headers, notes)
    mapping = Mapping(format=fmt, identity=identity, date_order=order,
                      age_reference=age_reference, columns=columns, values=values,
                      select_multiple=split, repeats=repeats,
                      encoding=codec if codec not in (None, "utf-8", "ascii") else None)
    unmatched = [f for f in ("name", "sex", "birth") if f not in fields]
    if "name" in unmatched and "family_name" in fields:
        unmatched.remove("name")
    if unmatched:
        notes.append(f"no column was matched to {', '.join(unmatched)}: map it under "
                     "columns if the file has it")
    return mapping, notes


def _age_reference(births: list[str], headers: list[str], notes: list[str]) -> str | None:
    """The submission-time column, when birth values are ages (which need the year given)."""
    ages = 0
    for value in births:
        try:
            when = parse_date(value, ages=True)
        except ValueError:
            continue
        ages += when.age is not None and when.year is None  # "42세", not "42세 (2023)"
    if not ages:
        return None
    reference = next((h for h in headers if h in SUBMISSION_TIME_HEADERS), None)
    if reference is None:
        notes.append("birth holds ages: set age_reference to the year (or a date column) they "
                     "were given in, or they stay ages without a year")
    return reference
