"""Sources: registered with their names sealed, listed by code, shown by role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surplace.access.policy import AccessDenied
from surplace.config import Settings
from surplace.errors import InvalidInput
from surplace.records import sources
from surplace.records.models import Source
from surplace.vault.service import Unlocked
from tests.cases.conftest import make_office
from tests.clirun import surplace
from tests.conftest import cli_env

SHELTER = {"code": "syn-shelter", "kind": "organisation", "reliability": "b",
           "name": "Synthetic Riverside Shelter Network", "contact": "syn-contact-8812"}


def test_a_source_is_added_listed_and_shown_by_role(unlocked: Unlocked) -> None:
    office = make_office(unlocked)
    with office.session(office.researcher) as session:
        added = sources.add_source(session, actor=office.researcher,
                                   data=sources.SourceIn.model_validate(SHELTER))
    assert (added.code, added.kind, added.reliability) == ("SYN-SHELTER", "organisation", "B")
    with office.session(office.researcher) as session:
        listed = sources.list_sources(session, actor=office.researcher)
        as_researcher = sources.show_source(session, actor=office.researcher,
                                            code="syn-shelter")
    assert [item.code for item in listed] == ["SYN-SHELTER"] and listed[0].name is None
    assert as_researcher.name is None and as_researcher.contact is None
    with office.session(office.admin) as session:
        as_admin = sources.show_source(session, actor=office.admin, code="SYN-SHELTER")
    assert (as_admin.name, as_admin.contact) == (SHELTER["name"], SHELTER["contact"])


@pytest.mark.parametrize(("change", "message"), [
    ({"code": "Kim Chol-su's list"}, "source code"),
    ({"kind": "organisaton"}, "did you mean organisation"),
    ({"reliability": "G"}, "reliability"),
])
def test_bad_sources_are_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        sources.SourceIn.model_validate({**SHELTER, **change})


def test_a_taken_code_is_refused_and_nothing_is_added(unlocked: Unlocked) -> None:
    office = make_office(unlocked)
    data = sources.SourceIn.model_validate(SHELTER)
    with office.session(office.admin) as session:
        sources.add_source(session, actor=office.admin, data=data)
    with pytest.raises(InvalidInput, match="already taken"), \
            office.session(office.admin) as session:
        sources.add_source(session, actor=office.admin, data=data)
    with office.session(office.admin) as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 1
        with pytest.raises(sources.SourceNotFound, match="SYN-NONE"):
            sources.show_source(session, actor=office.admin, code="SYN-NONE")


def test_analysts_may_not_see_sources(unlocked: Unlocked) -> None:
    office = make_office(unlocked)
    with office.session(office.analyst) as session, pytest.raises(AccessDenied, match="may not"):
        sources.list_sources(session, actor=office.analyst)


def test_source_commands(settings: Settings, unlocked: Unlocked, tmp_path: Path) -> None:
    env = cli_env(settings)
    details = tmp_path / "source.json"
    details.write_text(json.dumps({"name": SHELTER["name"], "contact": SHELTER["contact"]}),
                       encoding="utf-8")
    added = surplace("source", "add", "SYN-SHELTER", "--kind", "organisation",
                     "--reliability", "B", "--input", str(details), "--json", env=env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["code"] == "SYN-SHELTER"
    shown = surplace("source", "show", "syn-shelter", "--json", env=env)
    assert json.loads(shown.stdout)["name"] == SHELTER["name"]
    bad = surplace("source", "add", "SYN-X", "--kind", "church", "--input", str(details),
                   env=env)
    assert bad.returncode == 1 and "source kind" in bad.stderr
    assert SHELTER["name"] not in bad.stderr
    nameless = surplace("source", "add", "SYN-Y", "--kind", "list", env=env)
    assert nameless.returncode == 2 and "needs a name" in nameless.stderr
