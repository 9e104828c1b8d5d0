"""Web latency under load: the case list, a case page, the incident list and the dashboard,
beside a static file from the same server as the floor, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/web.py [--cases 50000] [--records 200000] [--clients 20]
                                       [--seconds 20] [--backend sqlite|postgresql|both]
                                       [--workers 2] [--single] [--rebuild]
                                       [--page NAME ...]

The store (cases opened through the case service, persons through the records service, records
through the records intake, incidents through the incidents service from the demo simulator,
open alerts on one case in forty) is built once per size into a cache (``--cache``, default
``~/.cache/surplace-bench``) and reused, upgraded to the current migrations (``--rebuild``
builds it again): building 50,000 cases takes many minutes. The PostgreSQL store is that SQLite
store backed up and restored (``surplace backup`` and ``surplace restore``) into a schema of the
test database named after the size, vacuumed and analysed before it is measured (this machine's
server runs without autovacuum). The server is ``surplace serve --workers N`` (default: one
process a core) in a process of its own; the clients are ``--clients`` concurrent keep-alive
connections on loopback (``loadclient``: a lean HTTP/1.1 client, so that the client's own CPU is
not mistaken for server latency), signed in as the administrator (who sees every case: the
slowest list), each sending the same request again as soon as the previous answer arrived, for
``--seconds`` per page (``--single``: then again with one client, the latency of an unloaded
server). The table gives requests per second, p50 and p95 latency and p95 as a multiple of the
static file's, then the CPU milliseconds a request cost the server's processes and the whole
machine (the load client and, on PostgreSQL, the database server included) and the steal (CPU
the host took from this virtual machine meanwhile): on a shared machine latency moves with the
neighbours from one run to the next (p95 by up to half), CPU a request less (a fifth).
``--page 'signed-in floor'`` adds a signed-in request that reads nothing (``/api/v1/me``):
what the session check, the policy and the framework cost every page.
Goal (issue 7): p95 under 150 ms on this 2-core machine. All data is synthetic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))

from loadclient import Result, load  # noqa: E402 - the benchmarks folder, put on the path above

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from surplace.config import Settings
    from surplace.vault.crypto import Argon2Parameters

PASSPHRASE = "benchmark passphrase: synthetic store"
PG_URL = os.environ.get("SURPLACE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BATCH = 1_000
SOURCES = ("SYN-BENCH-A", "SYN-BENCH-B", "SYN-BENCH-C", "SYN-BENCH-D")


@dataclass(frozen=True)
class Built:
    store: str
    blob_dir: str | None
    cases: int
    records: int
    incidents: int
    case_numbers: list[str]
    seconds: float


def _settings(store: str, blob_dir: str | None) -> Settings:
    from surplace.config import Settings

    return Settings(store=store, blob_dir=Path(blob_dir) if blob_dir else None,
                    passphrase=None)


def _argon2() -> Argon2Parameters:
    from surplace.vault.crypto import Argon2Parameters

    return Argon2Parameters(time_cost=1, memory_kib=64 * 1024, parallelism=2)


def _pg_schema_url(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def _pg_admin() -> Iterator[Connection]:
    """A connection to the test database outside any transaction (schema DDL, VACUUM)."""
    from sqlalchemy import create_engine

    engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _fresh_pg_schema(schema: str) -> None:
    from sqlalchemy import text

    with _pg_admin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))


def _vacuum_pg_schema(schema: str) -> None:
    """``VACUUM (ANALYZE)`` every table of the schema: what autovacuum would have done by now
    on a server that runs it (this machine's has it off). Without it a restored store has no
    visibility map, so every count reads the table instead of an index."""
    from sqlalchemy import text

    with _pg_admin() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": schema})
        for (table,) in tables.all():
            connection.execute(text(f'VACUUM (ANALYZE) "{schema}"."{table}"'))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _upgraded(built: Built) -> Built:
    """The cached store brought to the current migrations, as ``surplace db upgrade`` does."""
    from surplace.store.engine import open_store
    from surplace.store.migrate import upgrade

    store = open_store(_settings(built.store, built.blob_dir))
    try:
        upgrade(store)
    finally:
        store.dispose()
    return built


def build(backend: str, cases: int, records: int, cache: Path, seed: int = 2026, *,
          rebuild: bool = False) -> Built:
    """Build the store (or find it built, and upgrade it) and return where it is."""
    marker = cache / f"web-{backend}-{cases}-{records}.json"
    if marker.exists() and not rebuild:
        found = json.loads(marker.read_text())
        found.pop("schema", None)  # written by earlier versions of this script
        return _upgraded(Built(**found))
    from sqlalchemy import func, select

    from surplace.cases import service as case_service
    from surplace.cases.schemas import CaseIn
    from surplace.cases.work_schemas import AlertIn
    from surplace.demo import scenario, violations
    from surplace.incidents.models import Incident
    from surplace.records import gazetteer
    from surplace.records import service as records_service
    from surplace.records.intake import Intake, RecordIn
    from surplace.records.models import Source
    from surplace.store.engine import open_store
    from surplace.vault import service as vault_service

    started = time.perf_counter()
    if backend == "postgresql":
        return _build_postgresql(cases, records, cache, seed, marker, started, rebuild)
    folder = cache / f"web-sqlite-{cases}-{records}"
    if folder.exists():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    store_location, blob_dir = str(folder), None
    store = open_store(_settings(store_location, blob_dir), create=True)
    unlocked = vault_service.initialise(store, admin_name="admin", passphrase=PASSPHRASE,
                                        params=_argon2())
    admin = unlocked.actor
    rng = random.Random(seed)  # noqa: S311 - a reproducible synthetic store
    with unlocked.session() as session:
        gazetteer.seed_places(session)
    numbers: list[str] = []
    people = scenario.persons(cases, seed=seed)
    done = 0
    while done < cases:
        size = min(BATCH, cases - done)
        with unlocked.session() as session:
            batch = [records_service.register_person(session, actor=admin, data=next(people),
                                                     flush=False) for _ in range(size)]
            session.flush()
            for person in batch:
                opened = case_service.open_case(session, actor=admin, data=CaseIn(
                    principal=person.pseudonym, languages=["ko"],
                    risk=rng.choice(("normal", "normal", "normal", "high")),
                    summary="Synthetic claim summary for the benchmark."))
                numbers.append(opened.case_number)
                if rng.random() < 0.025:
                    case_service.raise_alert(session, actor=admin, case=opened.case_number,
                                             data=AlertIn(kind="detained"))
                elif rng.random() < 0.1:
                    case_service.transition(session, actor=admin, case=opened.case_number,
                                            name="register")
        done += size
        _say(f"  {backend}: {done:,} cases ({time.perf_counter() - started:,.0f} s)")
    with unlocked.session() as session:
        for code in SOURCES:
            source = Source(code=code, kind="list", reliability="B")
            source.name = f"Synthetic benchmark list {code}"
            session.add(source)
        session.flush()
        ids = {code: session.scalar(select(Source.id).where(Source.code == code))
               for code in SOURCES}
    written = 0
    synthetic = scenario.persons(records, seed=seed + 1)
    while written < records:
        size = min(10 * BATCH, records - written)
        code = SOURCES[(written // (10 * BATCH)) % len(SOURCES)]
        with unlocked.session() as session:
            intake = Intake(session, actor=admin, source_id=str(ids[code]))
            items = []
            for index in range(size):
                listed = next(synthetic)
                items.append(RecordIn(
                    source_row=f"row-{written + index}",
                    payload={"name": listed.names[0].full_name, "sex": listed.sex,
                             "birth": str(listed.birth_year)},
                    sex=listed.sex, birth_year=listed.birth_year,
                    origin_province=listed.origin_province,
                    event_year=2010 + (written + index) % 14))
            intake.add(items)
        written += size
        _say(f"  {backend}: {written:,} records ({time.perf_counter() - started:,.0f} s)")
    generated = violations.violations(max(200, cases // 25), seed=seed)
    with unlocked.session() as session:
        violations.load(session, actor=admin, generated=generated)
        incidents = session.scalar(select(func.count()).select_from(Incident))
    store.dispose()
    built = Built(store=store_location, blob_dir=blob_dir, cases=cases, records=records,
                  incidents=int(incidents or 0), case_numbers=rng.sample(numbers, 50),
                  seconds=time.perf_counter() - started)
    cache.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(built.__dict__))
    return _upgraded(built)


def _build_postgresql(cases: int, records: int, cache: Path, seed: int, marker: Path,
                      started: float, rebuild: bool) -> Built:
    """The PostgreSQL store: the SQLite store of the same size, backed up and restored into a
    fresh schema (``surplace backup`` / ``surplace restore``). The same sealed rows and audit
    chain, in minutes instead of the hours that opening every case again over the network
    takes."""
    from surplace.store import backup, restore
    from surplace.store.engine import open_store
    from surplace.vault import service as vault_service

    source = build("sqlite", cases, records, cache, seed, rebuild=rebuild)
    schema = f"bench_web_{cases}_{records}"
    _fresh_pg_schema(schema)
    store_location, blob_dir = _pg_schema_url(schema), str(cache / f"{schema}-blobs")
    archive = cache / f"{schema}.surplace-backup"
    archive.unlink(missing_ok=True)
    opened = open_store(_settings(source.store, source.blob_dir))
    try:
        backup.backup(vault_service.unlock(opened, user_name="admin", passphrase=PASSPHRASE),
                      archive)
    finally:
        opened.dispose()
    _say(f"  postgresql: backed up the SQLite store ({time.perf_counter() - started:,.0f} s)")
    if Path(blob_dir).exists():
        for path in sorted(Path(blob_dir).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        Path(blob_dir).rmdir()
    try:
        restore.restore(archive, _settings(store_location, blob_dir), PASSPHRASE, "admin")
    finally:
        archive.unlink(missing_ok=True)
    built = Built(store=store_location, blob_dir=blob_dir, cases=source.cases,
                  records=source.records, incidents=source.incidents,
                  case_numbers=source.case_numbers, seconds=time.perf_counter() - started)
    marker.write_text(json.dumps(built.__dict__))
    return _upgraded(built)


def _session_token(store: str, blob_dir: str | None) -> str:
    """A signed-in browser session for the administrator (as the sign-in form makes one)."""
    from surplace.access import auth
    from surplace.store.engine import open_store
    from surplace.vault import service as vault_service

    opened = open_store(_settings(store, blob_dir))
    unlocked = vault_service.unlock(opened, user_name="admin", passphrase=PASSPHRASE)
    with unlocked.session() as session:
        token = auth.start_session(session, user_id=unlocked.actor.user_id)
    opened.dispose()
    return token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(built: Built, port: int, workers: int) -> subprocess.Popen[str]:
    """``surplace serve --workers N`` on the store; returns once every worker has started."""
    environment = {**os.environ, "SURPLACE_STORE": built.store,
                   "SURPLACE_PASSPHRASE": PASSPHRASE}
    if built.blob_dir:
        environment["SURPLACE_BLOB_DIR"] = built.blob_dir
    server = subprocess.Popen(  # noqa: S603 - the project's own command, fixed arguments
        [sys.executable, "-m", "surplace", "serve", "--port", str(port), "--workers",
         str(workers)], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    assert server.stderr is not None
    started = 0
    while started < workers:
        line = server.stderr.readline()
        if not line:
            raise RuntimeError("the server stopped before it was ready")
        started += "Application startup complete" in line
    threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe flowing
    return server


PAGES = ("case list", "case page", "incident list", "dashboard")
#: Not measured unless asked for: a signed-in request that reads nothing (``/api/v1/me``), the
#: cost of the session, the policy and the framework that every page pays.
EXTRA_PAGES = ("signed-in floor",)


@dataclass(frozen=True)
class Cpu:
    """CPU seconds so far: of the server's processes, and of the whole machine (busy, and
    taken by the host from this machine: steal)."""

    server: float
    busy: float
    steal: float

    @classmethod
    def now(cls, server_pid: int) -> Cpu:
        tick = os.sysconf("SC_CLK_TCK")
        server = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that ended meanwhile
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if server_pid in (pid, parent):
                server += int(fields[11]) + int(fields[12])  # utime, stime
        cpu = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]  # user nice system irq softirq
        return cls(server / tick, busy / tick, cpu[7] / tick)

    def per_request(self, later: Cpu, requests: int) -> tuple[float, float, float]:
        """Milliseconds a request: server CPU, machine CPU, steal."""
        scale = 1000 / max(requests, 1)
        return ((later.server - self.server) * scale, (later.busy - self.busy) * scale,
                (later.steal - self.steal) * scale)


def measure(built: Built, backend: str, loads: list[int], seconds: float, workers: int,
            pages: tuple[str, ...] = PAGES,
            ) -> dict[int, list[tuple[Result, tuple[float, float, float]]]]:
    """The static file and each page under each load (a number of concurrent clients)."""
    from surplace.web.middleware import SESSION_COOKIE

    if backend == "postgresql":
        _vacuum_pg_schema(f"bench_web_{built.cases}_{built.records}")
    port = _free_port()
    server = _start_server(built, port, workers)
    try:
        cookie = f"{SESSION_COOKIE}={_session_token(built.store, built.blob_dir)}"
        numbers = iter(random.Random(1).choices(built.case_numbers, k=1_000_000))  # noqa: S311
        targets: list[tuple[str, Callable[[], str]]] = [
            ("static file (floor)", lambda: "/static/style.css"),
            ("case list", lambda: "/cases"),
            ("case page", lambda: f"/cases/{next(numbers)}"),
            ("incident list", lambda: "/incidents"),
            ("dashboard", lambda: "/"),
            ("signed-in floor", lambda: "/api/v1/me"),
        ]
        wanted = [(name, paths) for name, paths in targets
                  if name in pages or name == targets[0][0]]  # the floor always
        results: dict[int, list[tuple[Result, tuple[float, float, float]]]] = {}
        for clients in loads:
            for name, paths in wanted:
                before = Cpu.now(server.pid)
                result = asyncio.run(
                    load("127.0.0.1", port, cookie, name, paths, clients, seconds))
                spent = before.per_request(Cpu.now(server.pid), result.requests)
                results.setdefault(clients, []).append((result, spent))
                _say(f"  {backend}: {name}, {clients} client(s) done")
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "surplace-bench")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the stores again (after a migration changed in place)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="server processes (surplace serve --workers); default: one a core")
    parser.add_argument("--single", action="store_true",
                        help="also measure each page with one client (the unloaded latency)")
    parser.add_argument("--page", action="append", choices=PAGES + EXTRA_PAGES,
                        help="only these pages (repeatable; the static file is always "
                             "measured); default: all four")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"{args.cases:,} cases, {args.records:,} records; {args.clients} concurrent clients "
          f"on loopback, {args.seconds:g} s per page; {args.workers} server processes, "
          f"{os.cpu_count()} cores")
    for backend in backends:
        built = build(backend, args.cases, args.records, args.cache, rebuild=args.rebuild)
        print(f"\n{backend}: store with {built.cases:,} cases, {built.records:,} records, "
              f"{built.incidents:,} incidents (built once in {built.seconds:,.0f} s, cached)")
        loads = [args.clients, 1] if args.single else [args.clients]
        for clients, results in measure(built, backend, loads, args.seconds,
                                        args.workers,
                                        tuple(args.page or PAGES)).items():
            floor = results[0][0].p95
            print(f"{clients} client{'s' if clients > 1 else ''}:")
            print(f"{'page':<22}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}"
                  f"{'p95 ms':>9}{'p95 / floor':>13}{'server CPU':>12}{'all CPU':>9}"
                  f"{'steal':>7}")
            for result, (server_ms, busy_ms, steal_ms) in results:
                print(f"{result.name:<22}{result.requests:>10,}{result.errors:>8}"
                      f"{result.rate:>9.1f}{result.p50:>9.1f}{result.p95:>9.1f}"
                      f"{result.p95 / floor:>13.1f}{server_ms:>12.2f}{busy_ms:>9.2f}"
                      f"{steal_ms:>7.2f}")


if __name__ == "__main__":
    main()
