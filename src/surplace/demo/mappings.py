"""Mapping files for the organisations' exports: proposed by ``init_mapping``, then completed.

A person importing a partner's file runs ``surplace import init-mapping FILE``, reads the
proposal and its notes, and corrects what the proposal could not know: which column is the
row's identity, that ``抓获日期`` (date of capture) is the event's date, that ``입국연도`` (year
of entry) is the year of the event, in which order the partner writes day and month, what the
partner's words for the sexes mean. The demo does the same: :func:`complete` starts from the
proposal and sets what the organisation's own description
(:class:`~surplace.demo.organisations.Organisation`) says — as the partner's data dictionary
would tell the person — and records every change, so the mapping file's comment says what the
proposal got right and what a person had to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from surplace.demo.organisations import Organisation
from surplace.demo.partners import HXL_FOR, PartnerFile
from surplace.io.fields import EXTRA, hxl_key, hxl_tags
from surplace.io.mapping import Mapping, init_mapping, parse_mapping
from surplace.io.values import sex_vocabulary

#: Record key → the import field its column fills. A year alone is an event date given to the
#: year (the importer keeps it as a partial date and takes the event year from it).
FIELD_OF = {"name": "name", "family_name": "family_name", "given_name": "given_name",
            "sex": "sex", "birth": "birth", "origin": "origin", "event_date": "event_date",
            "event_year": "event_date", "event_place": "event_place",
            "event_province": "event_province"}


@dataclass(frozen=True)
class CompletedMapping:
    code: str
    path: Path
    mapping: Mapping
    proposal_notes: list[str]
    changes: list[str]


def _column_names(org: Organisation, partner: PartnerFile) -> dict[str, str]:
    """Record key → the column as the reader names it (an HXL column by its hashtag)."""
    if partner.format == "hxl":
        tags = hxl_tags()
        return {key: hxl_key(tags[HXL_FOR[key]]) for key in org.columns}
    return dict(org.columns)


def complete(org: Organisation, partner: PartnerFile, proposal: Mapping
             ) -> tuple[Mapping, list[str]]:
    """The proposal with what the organisation's data dictionary says set; and each change,
    in words (column names and settings, never a value from the file)."""
    data = proposal.model_dump(by_alias=True)
    changes: list[str] = []
    named = _column_names(org, partner)
    columns: dict[str, str] = dict(data["columns"])
    wanted = {named[key]: FIELD_OF[key] for key in named if key in FIELD_OF}
    # A field proposed for a column the dictionary gives to another field goes to extra first,
    # so that no field is mapped twice.
    for column, target in list(columns.items()):
        if target in wanted.values() and wanted.get(column) != target:
            columns[column] = EXTRA
            changes.append(f"columns.{column}: {target} → extra")
    for column, field in wanted.items():
        before = columns.get(column)
        if before != field:
            columns[column] = field
            changes.append(f"columns.{column}: {before or 'absent'} → {field}")
    data["columns"] = columns
    identity = named["record_id"]
    if data.get("identity") != identity:
        changes.append(f"identity: {data.get('identity') or 'none'} → {identity}")
        data["identity"] = identity
    if data.get("date_order") != org.date_order:
        changes.append(f"date_order: {data.get('date_order')} → {org.date_order}")
        data["date_order"] = org.date_order
    sexes = dict(data.get("values", {}).get("sex", {}))
    vocabulary = sex_vocabulary()
    for term, label in org.sex_labels.items():
        try:
            understood = vocabulary.term(label, sexes)
        except ValueError:
            understood = None
        if understood != term:
            sexes[label] = term
            changes.append(f"values.sex: {label} → {term}")
    if sexes:
        data.setdefault("values", {})["sex"] = sexes
    return parse_mapping(data, name=f"mapping of {org.code}"), changes


def _header(org: Organisation, partner: PartnerFile, notes: list[str],
            changes: list[str]) -> str:
    lines = [
        f"# Mapping of {partner.path.name} ({org.code}, {partner.format}).",
        "# Proposed by init_mapping (what 'surplace import init-mapping"
        f"{' --xlsform FORM' if partner.xlsform else ''}' writes) from the file's headers"
        f"{', hashtags' if partner.format == 'hxl' else ''}"
        f"{' and XLSForm' if partner.xlsform else ''},",
        "# then completed by the demo pipeline where a person checking it would, from the",
        "# partner's description of its columns (synthetic data: see surplace.demo)."]
    if notes:
        lines.append("# The proposal's notes:")
        lines += [f"#   - {note}" for note in notes]
    if changes:
        lines.append("# Completed by the pipeline:")
        lines += [f"#   - {change}" for change in changes]
    else:
        lines.append("# The proposal needed no change.")
    return "\n".join(lines) + "\n"


def write_mapping(org: Organisation, partner: PartnerFile, folder: Path) -> CompletedMapping:
    """Propose a mapping for the partner's file, complete it, and write it as YAML beside
    the file (``<file stem>.mapping.yaml``) with a comment saying what was completed."""
    proposal, notes = init_mapping(partner.path, partner.xlsform, format=partner.format)
    mapping, changes = complete(org, partner, proposal)
    stem = partner.path.name.split(".", 1)[0]
    path = folder / f"{stem}.mapping.yaml"
    path.write_text(mapping.as_yaml(header=_header(org, partner, notes, changes)),
                    encoding="utf-8")
    return CompletedMapping(code=org.code, path=path, mapping=mapping, proposal_notes=notes,
                            changes=changes)
