"""What sealing costs: the store's write, search, audit and shred times beside a plaintext twin.

    .venv/bin/python benchmarks/store.py [--persons 100000] [--backend sqlite|postgresql]

(a) Registering N synthetic persons (sensitive fields and three names each, one transaction, the
    path of ``surplace person import``) into a fresh store, beside the same through a plaintext
    twin of the ``person`` and ``person_name`` tables: the same columns as plain ``Text``, the same
    ORM path and the same audit chain, in a fresh store of its own. Goal: at most 1.5 times.
(b) Exact search by name through the blind indexes, median and 95th percentile of 1,000
    look-ups, beside an indexed equality look-up in the twin. Goal: median under 5 ms. On
    PostgreSQL measured twice: straight after the load, and after ANALYZE (what autovacuum does
    shortly after a bulk load).
(c) Verifying an audit chain of 1,000,000 entries, beside merely reading those rows (the floor).
    Goal: under 10 s.
(d) ``vault shred`` on the store of (a).

Everything is synthetic. ``--profile`` prints where the time of the sealed insert goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.table import Table
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    or_,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from surplace.access.policy import Actor, require
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn, PersonSummary
from surplace.store.base import _construct, new_id, utcnow
from surplace.store.engine import Store, open_store
from surplace.vault import audit
from surplace.vault import service as vault_service
from surplace.vault.audit_verify import verify_chain
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.service import Unlocked

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PASSPHRASE = "benchmark passphrase, not a secret"
ARGON2 = Argon2Parameters(time_cost=1, memory_kib=64 * 1024, parallelism=2)
console = Console(stderr=True, highlight=False)


# --- the plaintext twin ----------------------------------------------------------------------


class TwinBase(DeclarativeBase):
    """Its own metadata, so the twin never joins the real schema; the same constructor."""

    metadata = MetaData()

    def __init__(self, **kwargs: Any) -> None:
        _construct(self, **kwargs)


class PlainPerson(TwinBase):
    """``person`` with every sealed field as a plain column (and the blind index as an index)."""

    __tablename__ = "plain_person"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin_province: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    origin_place: Mapped[str | None] = mapped_column(Text, nullable=True)
    current_location: Mapped[str | None] = mapped_column(Text, nullable=True)
    contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    family: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_number: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)


class PlainPersonName(TwinBase):
    __tablename__ = "plain_person_name"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("plain_person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    script: Mapped[str] = mapped_column(String(16))
    romanisation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    full_name: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    family_name: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    given_name: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)


def register_plain_person(session: Session, *, actor: Actor, data: PersonIn) -> PlainPerson:
    """``records.service.register_person`` line for line, into the twin."""
    require(actor, "identity.write")
    person = PlainPerson(
        pseudonym=records_service.new_pseudonym(), sex=data.sex, birth_year=data.birth_year,
        origin_province=data.origin_province, birth_date=data.birth_date,
        origin_place=data.origin_place, current_location=data.current_location,
        contact=data.contact, document_number=data.document_number, notes=data.notes,
    )
    session.add(person)
    for name in data.names:
        session.add(PlainPersonName(
            person_id=person.id, kind=name.kind, script=name.script,
            romanisation=name.romanisation, full_name=name.full_name,
            family_name=name.family_name, given_name=name.given_name,
        ))
    return person


def register_plain_persons(session: Session, *, actor: Actor, items: Iterable[PersonIn]) -> int:
    """``records.service.register_persons`` line for line, into the twin."""
    require(actor, "identity.write")
    count = 0
    for data in items:
        register_plain_person(session, actor=actor, data=data)
        count += 1
        if count % 1000 == 0:
            session.flush()
    session.flush()
    return count


def find_plain_by_name(session: Session, *, name: str) -> list[PersonSummary]:
    """``records.service.find_by_name`` with plain equality on indexed columns."""
    matches = or_(PlainPersonName.full_name == name, PlainPersonName.family_name == name,
                  PlainPersonName.given_name == name)
    query = (select(PlainPerson).join(PlainPersonName, PlainPersonName.person_id == PlainPerson.id)
             .where(matches).distinct().order_by(PlainPerson.pseudonym))
    return [PersonSummary(id=p.id, pseudonym=p.pseudonym, sex=p.sex, birth_year=p.birth_year,
                          origin_province=p.origin_province) for p in session.scalars(query)]


# --- synthetic data --------------------------------------------------------------------------

FAMILY = ["김", "리", "박", "최", "정", "강", "조", "윤", "장", "림", "한", "오", "서", "신", "권",
          "황", "안", "송", "류", "전"]
SYLLABLES = "영철순희명수성옥혜광민정춘화금향은별찬국남일룡경옥련미선봉길학원혁진주란숙"
LATIN = ["Kim", "Ri", "Pak", "Choe", "Jong", "Kang", "Jo", "Yun", "Jang", "Rim", "Han", "O"]


def synthetic_persons(count: int, seed: int = 7) -> list[PersonIn]:
    rng = random.Random(seed)
    items = []
    for n in range(count):
        family = rng.choice(FAMILY)
        given = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        items.append(PersonIn(
            names=[
                NameIn(full_name=family + given, family_name=family, given_name=given,
                       script="hangul"),
                NameIn(full_name=f"{rng.choice(LATIN)} Synthetic-{n:06d}", script="latin",
                       romanisation="mr"),
                NameIn(full_name=f"Alias {rng.randrange(10**9):09d}", kind="alias"),
            ],
            sex=rng.choice("FM"), birth_date=date(rng.randint(1940, 2005), rng.randint(1, 12),
                                                  rng.randint(1, 28)),
            origin_province=rng.choice(["KP-08", "KP-09", "KP-10", "CN-JL"]),
            origin_place=f"Synthetic county {rng.randint(1, 400)}, village {rng.randint(1, 90)}",
            current_location=f"Synthetic shelter {rng.randint(1, 5000)}, room {n % 40}",
            contact=f"+00 555 {n:07d}", document_number=f"SYN-{n:09d}",
            notes="Synthetic case note. " * rng.randint(1, 6),
        ))
    return items


# --- stores ----------------------------------------------------------------------------------


@contextmanager
def fresh_store(backend: str, pg_url: str, label: str,
                sqlite_cache_mib: int | None = None) -> Iterator[Store]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"surplace-bench-{label}-") as folder:
            store = open_store(Settings(store=folder), create=True)
            if sqlite_cache_mib is not None:
                _set_cache_size(store, sqlite_cache_mib)
            try:
                yield store
            finally:
                store.dispose()
        return
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="surplace-bench-blobs-") as blobs:
            url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=" + quote(
                f"-csearch_path={schema}")
            store = open_store(Settings(store=url, blob_dir=Path(blobs)), create=True)
            try:
                yield store
            finally:
                store.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _set_cache_size(store: Store, mib: int) -> None:
    """SQLite's page cache (default 2 MiB) for every connection of this engine."""

    @event.listens_for(store.engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA cache_size=-{mib * 1024}")


def initialise(store: Store) -> Unlocked:
    return vault_service.initialise(store, admin_name="admin", passphrase=PASSPHRASE,
                                    params=ARGON2)


@dataclass
class Clock:
    """Wall time, and this process's CPU time (steadier on a busy machine; for PostgreSQL it
    leaves out the server's share)."""

    wall: float = 0.0
    cpu: float = 0.0


def timed(action: Callable[[], Any], clock: Clock | None = None) -> tuple[float, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    result = action()
    wall = time.perf_counter() - started
    if clock is not None:
        clock.wall, clock.cpu = wall, time.process_time() - cpu_started
    return wall, result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Row:
    measure: str
    sealed: str
    reference: str
    ratio: str
    goal: str
    met: bool | None


# --- the measurements ------------------------------------------------------------------------


def insert_sealed(unlocked: Unlocked, items: list[PersonIn], profile: bool) -> Clock:
    def run() -> int:
        with unlocked.session() as session:
            return records_service.register_persons(session, actor=unlocked.actor, items=items)

    clock = Clock()
    if not profile:
        timed(run, clock)
        return clock
    profiler = cProfile.Profile()
    timed(lambda: profiler.runcall(run), clock)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(45)
    print(out.getvalue(), file=sys.stderr)
    return clock


def insert_plain(unlocked: Unlocked, items: list[PersonIn]) -> Clock:
    TwinBase.metadata.create_all(unlocked.store.engine)

    def run() -> int:
        with unlocked.session() as session:
            return register_plain_persons(session, actor=unlocked.actor, items=items)

    clock = Clock()
    timed(run, clock)
    return clock


def lookups(items: list[PersonIn], count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    chosen = [rng.choice(items) for _ in range(count)]
    return [person.names[n % 2].full_name for n, person in enumerate(chosen)]


def search_times(session_factory: Callable[[], Any], find: Callable[[Session, str], list[Any]],
                 names: list[str]) -> tuple[list[float], int]:
    times = []
    found = 0
    with session_factory() as session:
        for name in names[:20]:  # warm the caches the same way for both
            find(session, name)
        for name in names:
            started = time.perf_counter()
            result = find(session, name)
            times.append(time.perf_counter() - started)
            found += bool(result)
    return times, found


def grow_chain(unlocked: Unlocked, target: int, batch: int = 20_000) -> int:
    with unlocked.store.session() as session:
        have = int(session.scalar(text("SELECT count(*) FROM audit_entry")) or 0)
    with unlocked.session() as session:
        while have < target:
            size = min(batch, target - have)
            audit.append(session, [
                audit.Event("read", "person", f"00000000-0000-4000-8000-{n:012d}", "notes")
                for n in range(have, have + size)])
            have += size
    return have


def read_floor(unlocked: Unlocked, clock: Clock) -> int:
    def run() -> int:
        count = 0
        with unlocked.store.session() as session:
            for _ in audit.iter_entries(session):
                count += 1
        return count

    return int(timed(run, clock)[1])


def verify(unlocked: Unlocked, clock: Clock) -> Any:
    def run() -> Any:
        with unlocked.store.session() as session:
            return verify_chain(session, unlocked.keyring)

    return timed(run, clock)[1]


def shred_time(store: Store) -> tuple[str, bool | None]:
    """Time ``surplace.vault.shred.shred(store)`` if that module exists (PLACEHOLDER otherwise)."""
    try:
        from surplace.vault.shred import shred  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        return f"PLACEHOLDER: surplace.vault.shred not importable ({error})", None
    seconds, report = timed(lambda: shred(store))
    console.print(f"    {report}")
    return f"{seconds:.2f} s", True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server for --backend "
                        "postgresql; a schema is created and dropped in it")
    parser.add_argument("--audit-entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the sealed insert")
    parser.add_argument("--no-shred", action="store_true")
    parser.add_argument("--sqlite-cache-mib", type=int, default=None,
                        help="set SQLite's page cache for both stores (default: SQLite's 2 MiB)")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    console.print(f"Generating {args.persons:,} synthetic persons …")
    items = synthetic_persons(args.persons)
    names = lookups(items, args.lookups)

    cache = args.sqlite_cache_mib
    with fresh_store(args.backend, args.pg_url, "plain", cache) as plain_store, \
            fresh_store(args.backend, args.pg_url, "sealed", cache) as sealed_store:
        plain = initialise(plain_store)
        sealed = initialise(sealed_store)

        console.print("(a) inserting, plaintext twin …")
        plain_clock = insert_plain(plain, items)
        console.print(f"    {plain_clock.wall:.1f} s (cpu {plain_clock.cpu:.1f} s)")
        console.print("(a) inserting, sealed …")
        sealed_clock = insert_sealed(sealed, items, args.profile)
        console.print(f"    {sealed_clock.wall:.1f} s (cpu {sealed_clock.cpu:.1f} s)")
        ratio = sealed_clock.wall / plain_clock.wall
        cpu_ratio = sealed_clock.cpu / plain_clock.cpu
        rows.append(Row(
            f"(a) insert {args.persons:,} persons",
            f"{sealed_clock.wall:.1f} s ({args.persons / sealed_clock.wall:,.0f}/s)",
            f"{plain_clock.wall:.1f} s ({args.persons / plain_clock.wall:,.0f}/s) plaintext twin",
            f"{ratio:.2f}×", "≤ 1.5×", ratio <= 1.5))
        rows.append(Row(
            "(a) … CPU time of this process", f"{sealed_clock.cpu:.1f} s",
            f"{plain_clock.cpu:.1f} s plaintext twin", f"{cpu_ratio:.2f}×", "", None))

        def measure_lookups(when: str) -> None:
            console.print(f"(b) {args.lookups:,} look-ups by exact name{when} …")
            sealed_times, sealed_found = search_times(
                sealed.session, lambda s, n: records_service.find_by_name(
                    s, actor=sealed.actor, name=n), names)
            plain_times, plain_found = search_times(
                plain.session, lambda s, n: find_plain_by_name(s, name=n), names)
            if sealed_found != len(names) or plain_found != len(names):
                console.print(f"[red]not every look-up found its person: sealed "
                              f"{sealed_found}, plain {plain_found} of {len(names)}[/red]")
            for label, pick in (("median", statistics.median),
                                ("p95", lambda v: percentile(v, 0.95))):
                s_ms, p_ms = pick(sealed_times) * 1000, pick(plain_times) * 1000
                rows.append(Row(
                    f"(b) find by name, {label}{when}", f"{s_ms:.2f} ms",
                    f"{p_ms:.2f} ms plain index", f"{s_ms / p_ms:.2f}×",
                    "< 5 ms" if label == "median" else "",
                    s_ms < 5 if label == "median" else None))

        if args.backend == "postgresql":
            # Right after a bulk load the planner has no statistics on the new rows and may
            # choose a sequential scan; autovacuum analyses the tables within a minute or so.
            measure_lookups(", before ANALYZE")
            for unlocked in (plain, sealed):
                with unlocked.store.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        text("ANALYZE"))
            measure_lookups(", after ANALYZE")
        else:
            measure_lookups("")

        console.print(f"(c) growing the audit chain to {args.audit_entries:,} entries …")
        grow_seconds, entries = timed(lambda: grow_chain(sealed, args.audit_entries))
        console.print(f"    {grow_seconds:.1f} s to append")
        floor, checked = Clock(), Clock()
        floor_count = read_floor(sealed, floor)
        report = verify(sealed, checked)
        if not report.ok or report.entries != entries or floor_count != entries:
            console.print(f"[red]verification: {report.describe()} (read {floor_count})[/red]")
        rows.append(Row(
            f"(c) verify {entries:,} audit entries", f"{checked.wall:.1f} s",
            f"{floor.wall:.1f} s only reading the rows",
            f"{checked.wall / floor.wall:.2f}×", "< 10 s", checked.wall < 10))
        rows.append(Row(
            "(c) … CPU time of this process", f"{checked.cpu:.1f} s",
            f"{floor.cpu:.1f} s only reading the rows", f"{checked.cpu / floor.cpu:.2f}×", "",
            None))

        if not args.no_shred:
            console.print(f"(d) shredding the store of {args.persons:,} persons …")
            figure, met = shred_time(sealed_store)
            rows.append(Row(f"(d) vault shred, {args.persons:,} persons", figure, "", "", "",
                            met))

    table = Table(title=f"surplace store benchmark — {args.backend}, "
                        f"{args.persons:,} persons (synthetic)")
    for column in ("measure", "surplace (sealed)", "reference", "ratio", "goal", "met"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.measure, row.sealed, row.reference, row.ratio, row.goal,
                      "" if row.met is None else ("yes" if row.met else "NO"))
    Console(highlight=False, width=150).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
