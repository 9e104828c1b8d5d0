"""Aggregate tables and published tables, on SQLite and PostgreSQL: no count below the
threshold on a page or in the API, a suppressed cell that cannot be worked out from what the
page shows (the linear-programming attack of tests/io/test_disclosure.py, on the numbers read
back from the HTML), validated filters, publishing for viewers, withdrawing, and the audit
entries both write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient

from surplace.access.policy import AccessDenied
from surplace.incidents import claims
from surplace.io.export import published
from surplace.io.export.disclosure import ProtectedTable
from surplace.io.export.tables import TableQuery, build_table
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.sources import SourceIn, add_source
from surplace.store.migrate import alembic_config, current_revision, head_revision, upgrade
from surplace.vault import audit_service
from tests.io.test_disclosure import interval
from tests.web.conftest import WebStore

SUPPRESSED = "×"
THRESHOLD = 5


def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
    ids["table"] = "acts-by-sex"
    with web_store.session("researcher") as session:
        ids["published_id"] = published.publish_table(
            session, actor=web_store.actor("researcher"), table="acts-by-sex",
            title="Synthetic sample table").id


def document(web_store: WebStore) -> None:
    """Thirty synthetic victims, one documented act each: many forced returns, a few arrests,
    three cases of torture, over three years and three places, one victim of sex X from
    KP-01 — small cells and large ones."""
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        gazetteer.seed_places(session)
        add_source(session, actor=admin, data=SourceIn(code="SYN-AGG", kind="list",
                                                       reliability="B", name="SYN-AGG"))
        for index in range(30):
            victim = records_service.register_person(session, actor=admin, data=PersonIn(
                names=[NameIn(full_name=f"Synthetic Aggregate Person {index}")],
                sex="X" if index == 29 else "M" if index % 3 == 0 else "F",
                origin_province="KP-01" if index == 29 else "KP-09" if index % 2
                else "KP-13")).pseudonym
            act_type = ("forced_return" if index < 20 else "arrest" if index < 27
                        else "torture")
            claims.add_claim(session, actor=admin, data={
                "source": "SYN-AGG", "victim": victim, "act_type": act_type,
                "connection": "witness",
                "date": f"{2020 + index % 3}-0{1 + index % 9}-1{index % 9}",
                "place": "CN-HL" if index == 28 else "CN-JL-tumen" if index % 4 else "CN-LN"})


def page_grid(html: str) -> list[list[int | None]]:
    """The counts of the page's table, row by row (``None`` for the suppression mark)."""
    table = re.search(r'<table class="list counts aggregate">(.*?)</table>', html, re.S)
    assert table is not None, "no aggregate table on the page"
    body = table.group(1).split("<tbody>", 1)[1]
    grid: list[list[int | None]] = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = []
        for cell in re.findall(r"<td>(.*?)</td>", row, re.S):
            shown = re.sub(r"<[^>]+>", "", cell).strip()
            cells.append(None if shown == SUPPRESSED else int(shown.replace(",", "")))
        grid.append(cells)
    return grid


def assert_page_protects(grid: list[list[int | None]], truth: ProtectedTable) -> None:
    """What the page shows is the truth where published, never a count from 1 to 4, and an
    intruder who solves the table's equations from the page alone cannot narrow a small cell
    below the threshold's width, nor pin any suppressed cell. A row or column the page leaves
    out has a zero total, so every cell of it is a known zero."""
    values = truth.values
    kept = [[index for index in range(size)
             if index == size - 1 or values[tuple(index if k == axis else -1
                                                  for k in range(values.ndim))] != 0]
            for axis, size in enumerate(values.shape)]
    page = np.array([[np.nan if value is None else value for value in row] for row in grid])
    assert page.size == np.prod([len(indices) for indices in kept]), \
        "the page leaves out exactly the rows and columns whose total is zero"
    shown = np.zeros(values.shape)
    shown[np.ix_(*kept)] = page.reshape([len(indices) for indices in kept])
    hidden = np.isnan(shown)
    assert (hidden == truth.suppressed).all(), "the page hides exactly the suppressed cells"
    assert hidden.any(), "the synthetic acts make small cells"
    published_counts = shown[~hidden]
    assert ((published_counts == 0) | (published_counts >= THRESHOLD)).all()
    assert (published_counts == truth.values[~hidden]).all()
    from_page = ProtectedTable(truth.dimensions, truth.categories,
                               np.where(hidden, 0, shown).astype(np.int64),
                               np.zeros_like(hidden), hidden, truth.threshold, truth.protection)
    for index in zip(*np.nonzero(hidden), strict=True):
        cell = tuple(int(i) for i in index)
        low, high = interval(from_page, cell)
        value = int(truth.values[cell])
        assert low - 1e-6 <= value <= high + 1e-6
        if value < THRESHOLD:
            assert high - low >= THRESHOLD - 1e-6, (cell, value, low, high)
        else:
            assert high - low > 1e-6, f"suppressed cell {cell} is pinned"


@pytest.mark.parametrize("name", ["acts-by-year-type", "acts-by-sex", "acts-by-province",
                                  "persons-by-year-province"])
def test_aggregates_page_shows_no_small_cell_and_hides_them_for_good(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        name: str) -> None:
    document(web_store)
    sign_in(client, "analyst")
    page = client.get(f"/aggregates?table={name}")
    assert page.status_code == 200
    assert "counts from 1 to 4 are not shown" in page.text
    assert "Synthetic Aggregate Person" not in page.text
    with web_store.session("analyst") as session:
        _, _, truth = build_table(session, actor=web_store.actor("analyst"), name=name)
    assert_page_protects(page_grid(page.text), truth)


def test_filters_narrow_the_table_and_bad_ones_are_named(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient]) -> None:
    document(web_store)
    sign_in(client, "researcher")
    period = client.get("/aggregates?table=acts-by-year-type&year_from=2021&year_to=2022"
                        "&province=&act_type=forced_return")
    assert period.status_code == 200
    grid = page_grid(period.text)
    assert len(grid) == 3, "2021, 2022 and the total"
    forced_returns = sum(1 for index in range(20) if index % 3 != 0)
    assert grid[-1][-1] == forced_returns == 13
    assert 'value="2021"' in period.text and "from 2021" in period.text
    for query, field, words in [
            ("year_from=19x5", "year_from", "give a whole number"),
            ("year_from=2022&year_to=2020", "year_to", "ends before it starts"),
            ("province=XX-99", "province", "province"),
            ("act_type=tortur", "act_type", "torture"),
            ("table=acts-by-age", "table", "is not one of")]:
        wrong = client.get(f"/aggregates?{query}")
        assert wrong.status_code == 422, query
        message = re.search(rf'id="error-{field}"[^>]*>(.*?)</span>', wrong.text, re.S)
        assert message is not None and words in message.group(1), (query, wrong.text[-2000:])
    api = client.get("/api/v1/aggregates/acts-by-sex?year_from=2020&year_to=2022")
    assert api.status_code == 200
    body = api.json()
    assert body["dimensions"] == ["sex"] and body["threshold"] == THRESHOLD
    counts = {tuple(cell["key"]): cell["count"] for cell in body["cells"]}
    assert counts[("total",)] == 30
    assert all(count is None or count == 0 or count >= THRESHOLD for count in counts.values())
    refused = client.get("/api/v1/aggregates/acts-by-age")
    assert refused.status_code == 422 and refused.json()["field"] == "table"
    assert client.get("/api/v1/aggregates/acts-by-sex?year_from=99").status_code == 422


def test_publish_for_viewers_then_withdraw(
        web_store: WebStore, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]]) -> None:
    document(web_store)
    sign_in(client, "viewer")
    assert client.get("/aggregates").status_code == 403
    assert client.get("/api/v1/aggregates/acts-by-sex").status_code == 403
    home = client.get("/")
    assert 'href="/published"' in home.text and 'href="/aggregates"' not in home.text
    assert 'href="/estimates"' not in home.text and 'href="/cases"' not in home.text
    assert "No table is published." in client.get("/published").text

    sign_in(client, "analyst")
    refused = client.post("/aggregates/publish", data=form(
        client, table="acts-by-sex", title="Synthetic analyst table"))
    assert refused.status_code == 403, "publishing needs aggregate.publish"

    sign_in(client, "researcher")
    title = "Synthetic forced returns 2020–2022 <script>alert(1)</script>"
    blank = client.post("/aggregates/publish", data=form(
        client, table="acts-by-year-type", year_from="2020", act_type="forced_return",
        title="  "))
    assert blank.status_code == 422 and 'id="error-title"' in blank.text
    assert 'name="year_from" value="2020"' in blank.text, "the filters are kept"
    made = client.post("/aggregates/publish", data=form(
        client, table="acts-by-year-type", year_from="2020", act_type="forced_return",
        title=title))
    assert made.status_code == 303
    published_id = made.headers["location"].split("/")[2].split("?")[0]

    sign_in(client, "viewer")
    listed = client.get("/published")
    assert "Synthetic forced returns 2020–2022 &lt;script&gt;" in listed.text
    assert "<script>alert(1)" not in listed.text
    shown = client.get(f"/published/{published_id}")
    assert shown.status_code == 200 and "<script>alert(1)" not in shown.text
    assert "Withdraw this table" not in shown.text
    grid = page_grid(shown.text)
    assert all(value is None or value == 0 or value >= THRESHOLD
               for row in grid for value in row)
    assert grid[-1][-1] == 20, "the forced returns from 2020 on"
    api = client.get(f"/api/v1/published/{published_id}").json()
    assert api["filters"] == {"year_from": "2020", "act_type": "forced_return"}
    assert api["threshold"] == THRESHOLD and api["published_by"] == "researcher-1"
    assert client.get("/api/v1/published").json()["total"] == 1
    assert client.post(f"/published/{published_id}/withdraw",
                       data=form(client)).status_code == 403

    sign_in(client, "admin")
    with web_store.session("admin") as session:
        mine = published.publish_table(session, actor=web_store.actor("admin"),
                                       table="acts-by-sex", title="Synthetic admin table").id
    sign_in(client, "researcher")
    assert client.post(f"/published/{mine}/withdraw", data=form(client)).status_code == 403, \
        "a researcher withdraws only their own tables"
    gone = client.post(f"/published/{published_id}/withdraw", data=form(client))
    assert gone.status_code == 303 and gone.headers["location"] == "/published?done=withdrawn"
    assert "Withdrawn on" in client.get(f"/published/{published_id}").text

    sign_in(client, "viewer")
    assert "Synthetic forced returns" not in client.get("/published").text
    assert client.get(f"/published/{published_id}").status_code == 404
    assert client.get(f"/api/v1/published/{published_id}").status_code == 404
    sign_in(client, "admin")
    assert client.post(f"/published/{mine}/withdraw", data=form(client)).status_code == 303
    assert client.get("/api/v1/published").json()["total"] == 0

    entries = audit_service.list_entries(web_store.unlocked, object_type="published_aggregate")
    actions = sorted(entry.action for entry in entries if entry.action.startswith("aggregate."))
    assert actions == ["aggregate.publish", "aggregate.publish", "aggregate.withdraw",
                       "aggregate.withdraw"]
    first = next(entry for entry in entries if entry.object_id == published_id
                 and entry.action == "aggregate.publish")
    detail = json.loads(first.detail or "{}")
    assert detail["table"] == "acts-by-year-type" and detail["threshold"] == THRESHOLD
    assert set(detail) == {"table", "filters", "threshold", "suppressed"}, "never a count"


def test_a_published_table_stays_as_it_was(web_store: WebStore) -> None:
    """Acts documented after publishing change the live table, not the snapshot."""
    document(web_store)
    researcher = web_store.actor("researcher")
    with web_store.session("researcher") as session:
        frozen = published.publish_table(session, actor=researcher, table="acts-by-sex",
                                         title="Synthetic snapshot")
    document_more = [("SYN-AGG", "forced_return")] * 6
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        for index, (source, act_type) in enumerate(document_more):
            victim = records_service.register_person(session, actor=admin, data=PersonIn(
                names=[NameIn(full_name=f"Synthetic Later Person {index}")], sex="F")).pseudonym
            claims.add_claim(session, actor=admin, data={
                "source": source, "victim": victim, "act_type": act_type,
                "connection": "witness", "date": "2023-03-0" + str(1 + index),
                "place": "CN-JL"})
    with web_store.session("viewer") as session:
        again = published.show_published(session, actor=web_store.actor("viewer"),
                                          published_id=frozen.id)
        with pytest.raises(AccessDenied):
            published.aggregate_table(session, actor=web_store.actor("viewer"),
                                      table="acts-by-sex")
    with web_store.session("analyst") as session:
        live = published.aggregate_table(session, actor=web_store.actor("analyst"),
                                         table="acts-by-sex", query=TableQuery())
    assert again.as_table().count_at("total") == 30
    assert live.count_at("total") == 36


def test_migration_0005_goes_down_and_up(web_store: WebStore) -> None:
    from alembic import command

    store = web_store.unlocked.store
    command.downgrade(alembic_config(store), "0004")
    assert current_revision(store) == "0004"
    upgrade(store)
    assert current_revision(store) == head_revision(store)
    with web_store.session("researcher") as session:
        published.publish_table(session, actor=web_store.actor("researcher"),
                                table="acts-by-province", title="Synthetic after upgrade")
