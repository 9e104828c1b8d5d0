"""Rows of protection cases, from the cases service's own listing.

:func:`surplace.cases.service.list_cases` applies the policy's per-case rule (an administrator
sees every case, anyone else the cases assigned or granted to them) and reads clear columns
only; the principal's clear columns (sex, birth year, province) and, where the scope allows,
the principal's name are added here, a page of cases at a time. The narrative fields of a case
file (summary, whereabouts, needs) are never exported: they travel only in a referral package,
under the consent rules of the cases domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.io.export.people import BATCH, Scanned, names_of, no_progress, refuse_act_type
from surplace.io.export.redaction import Scope
from surplace.io.export.schemas import Filters
from surplace.records.models import Person
from surplace.vault import audit

CASE_COLUMNS = ["case_number", "status", "processing", "risk", "outcome", "appeal_outcome",
                "organisation", "principal", "sex", "birth_year", "origin_province", "year"]
CASE_IDENTITY = ["opened_at", "closed_at", "principal_name"]


def case_columns(scope: Scope) -> list[str]:
    return CASE_COLUMNS + (CASE_IDENTITY if scope.identities else [])


def case_rows(session: Session, actor: Actor, scope: Scope, filters: Filters, *,
              on_scanned: Scanned = no_progress) -> Iterator[dict[str, Any]]:
    from surplace.cases import service as case_service

    refuse_act_type(filters, "cases")
    cases = sorted(case_service.list_cases(session, actor=actor), key=lambda c: c.case_number)
    for start in range(0, len(cases), BATCH):
        page = cases[start:start + BATCH]
        wanted = sorted({case.principal for case in page if case.principal})
        principals = {str(code): (str(pid), sex, year, province)
                      for pid, code, sex, year, province in session.execute(
                          select(Person.id, Person.pseudonym, Person.sex, Person.birth_year,
                                 Person.origin_province).where(Person.pseudonym.in_(wanted)))}
        shown = sorted(pid for pid, *_ in principals.values() if scope.reveals(pid))
        names = names_of(session, shown) if scope.identities and shown else {}
        for case in page:
            person_id, sex, birth_year, province = principals.get(
                case.principal or "", (None, None, None, None))
            if filters.year is not None and case.opened_at.year != filters.year:
                continue
            if filters.province is not None and province != filters.province:
                continue
            row: dict[str, Any] = {
                "case_number": case.case_number, "status": case.status,
                "processing": case.processing, "risk": case.risk, "outcome": case.outcome,
                "appeal_outcome": case.appeal_outcome, "organisation": case.organisation,
                "principal": case.principal, "sex": sex, "birth_year": birth_year,
                "origin_province": province, "year": case.opened_at.year,
            }
            if scope.identities and person_id is not None and scope.reveals(person_id):
                written = names.get(person_id, [])
                row.update(opened_at=case.opened_at, closed_at=case.closed_at,
                           principal_name=written[0] if written else None)
            yield row
        on_scanned(len(page))
        audit.flush_reads(session)
