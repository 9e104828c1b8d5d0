"""How fast partners' files import, beside pandas merely reading the same file.

    .venv/bin/python benchmarks/import.py [--rows 100000] [--formats csv,xlsx,kobo-json]
                                          [--backend sqlite|postgresql] [--million]

For each format a file of N synthetic rows (the linkage simulator's lists; for KoBo JSON,
submissions with their household members as repeat entries) is imported with
``surplace.io.importer.import_file`` into a fresh store (payloads sealed, digests keyed, one
transaction), beside ``pandas.read_csv`` / ``read_excel`` / ``json.load`` + ``json_normalize`` of
the same file in the same run. Goal: import within 3× of the bare read. Where the time goes is
measured by phases: reading alone (the reader), reading + converting (values, vocabulary,
gazetteer), and the whole import (+ digest, seal and insert). The table also gives this
process's CPU time for pandas and for the import, and their ratio: on a busy machine the
steadier figure (it leaves out the database server's own work on PostgreSQL).

Two floors are measured in the same run: sealing the import's payloads alone, and inserting its
rows alone (read back as stored, written again by the intake's own last step into a fresh
store). "floor: read + insert" is what reading the file and inserting the rows would cost with
nothing in between, as a multiple of the pandas read: the least any import that keeps one
sealed, indexed record per row could reach.

``--million`` then imports 1,000,000 CSV rows in a child process and prints its resident memory
before and (sampled at every batch) during the import beside the file's size: the import holds
one batch and two 16 MiB filters (source rows and content digests held), not the file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from surplace.config import Settings
from surplace.demo import formats
from surplace.io.convert import Converter
from surplace.io.importer import import_file
from surplace.io.mapping import Mapping, init_mapping
from surplace.io.readers import open_reader
from surplace.records import gazetteer
from surplace.records import intake as intake_module
from surplace.records.sources import SourceIn, add_source
from surplace.store.engine import open_store
from surplace.vault import service as vault_service
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.fields import keyring_of
from surplace.vault.service import Unlocked

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
ARGON2 = Argon2Parameters(time_cost=1, memory_kib=64 * 1024, parallelism=2)
console = Console(width=170)


def make_files(folder: Path, rows: int, wanted: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if "csv" in wanted or "xlsx" in wanted:
        people = formats.people(rows, seed=11)
        if "csv" in wanted:
            files["csv"] = formats.write_csv(folder / "list.csv", people)
        if "xlsx" in wanted:
            files["xlsx"] = formats.write_xlsx(folder / "list.xlsx", people)
    if "kobo-json" in wanted:
        files["kobo-json"] = formats.write_kobo_json(folder / "kobo.json",
                                                     formats.form_submissions(rows, seed=12))
    return files


def pandas_read(kind: str, path: Path) -> int:
    if kind == "csv":
        return len(pd.read_csv(path, dtype=str, keep_default_na=False))
    if kind == "xlsx":
        return len(pd.read_excel(path, dtype=str, engine="openpyxl"))
    with path.open(encoding="utf-8") as handle:
        return len(pd.json_normalize(json.load(handle)["results"]))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


class Stores:
    """Fresh stores (SQLite folders or PostgreSQL schemas), unlocked, seeded, with a source."""

    def __init__(self, backend: str, folder: Path, pg_url: str) -> None:
        self.backend, self.folder, self.pg_url, self.schemas = backend, folder, pg_url, []

    def new(self) -> Unlocked:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        if self.backend == "postgresql":
            admin = create_engine(self.pg_url.replace("postgresql://", "postgresql+psycopg://"),
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{name}"'))
            admin.dispose()
            self.schemas.append(name)
            url = f"{self.pg_url}?options={quote(f'-csearch_path={name}')}"
            settings = Settings(store=url, blob_dir=self.folder / name)
        else:
            settings = Settings(store=str(self.folder / name))
        store = open_store(settings, create=True)
        unlocked = vault_service.initialise(store, admin_name="admin",
                                            passphrase="benchmark passphrase", params=ARGON2)
        with unlocked.session() as session:
            gazetteer.seed_places(session)
            add_source(session, actor=unlocked.actor,
                       data=SourceIn(code="SYN-BENCH", kind="list", name="Synthetic bench"))
        return unlocked

    def drop(self) -> None:
        if not self.schemas:
            return
        admin = create_engine(self.pg_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.schemas:
                connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def phases(unlocked: Unlocked, path: Path, mapping: Mapping) -> tuple[float, float]:
    """Seconds to read the rows alone, and to read and convert them (no store writes)."""
    def read() -> int:
        with open_reader(path, format=mapping.format) as reader:
            return sum(1 for _ in reader.rows())

    def convert() -> int:
        with unlocked.session() as session, open_reader(path, format=mapping.format) as reader:
            converter = Converter(session, mapping,
                                  identity_column=getattr(reader, "identity_column", None))
            return sum(len(converter.convert(row).records) for row in reader.rows())

    return timed(read)[0], timed(convert)[0]


def store_floor(stores: Stores, imported: Unlocked) -> tuple[float, float]:
    """Seconds to seal the import's payloads alone, and to insert its rows alone.

    The rows the import wrote are read back as stored and inserted again, by the intake's own
    last step (executemany, or COPY on PostgreSQL), into a fresh store's record table in one
    transaction: no reading, converting, digesting or sealing. The payloads, opened, are sealed
    again with ``seal_many``. These are floors no change to reading or converting can go
    below while every row stays one sealed, indexed record."""
    columns = ", ".join(intake_module.COLUMNS)
    with imported.session() as session:
        rows = [tuple(row) for row in session.execute(
            text(f"SELECT {columns} FROM record"))]  # noqa: S608 - the intake's own columns
        key = keyring_of(session, "record.payload").current
        opened = [(key.open(bytes(row[-1]), f"record.payload#{row[0]}".encode()),
                   f"record.payload#{row[0]}".encode()) for row in rows]
    seal = timed(lambda: key.seal_many(opened))[0]
    fresh = stores.new()
    with fresh.session() as session:
        source_id = session.execute(text("SELECT id FROM source")).scalar_one()
        # The fresh store has its own source and no import batch or superseded record.
        stored = [(row[0], source_id, row[2], row[3], row[4], None, None, *row[7:])
                  for row in rows]
        writer = intake_module.Intake(session, actor=fresh.actor, source_id=source_id)
        insert = timed(lambda: (writer.write_stored(stored), session.commit()))[0]
    fresh.store.dispose()
    return seal, insert


def run_format(stores: Stores, kind: str, path: Path) -> dict[str, Any]:
    reference, rows = timed(lambda: pandas_read(kind, path))
    mapping, _ = init_mapping(path)
    unlocked = stores.new()
    read, converted = phases(unlocked, path, mapping)
    cpu = time.process_time()
    with unlocked.session() as session:
        seconds, report = timed(lambda: import_file(
            session, actor=unlocked.actor, source="SYN-BENCH", path=path, mapping=mapping,
            rejects_path=path.with_suffix(".rejects.csv")))
    cpu = time.process_time() - cpu
    seal, insert = store_floor(stores, unlocked)
    unlocked.store.dispose()
    reference_cpu = time.process_time()
    pandas_read(kind, path)
    reference_cpu = time.process_time() - reference_cpu
    return {"format": kind, "rows": rows, "records": report.imported,
            "rejected": report.rejected, "pandas": reference, "import": seconds,
            "read": read, "convert": converted - read, "store": seconds - converted,
            "cpu": cpu, "pandas_cpu": reference_cpu, "seal": seal, "insert": insert}


def million(folder: Path, backend: str, stores: Stores) -> None:
    base = formats.people(100_000, seed=21)
    path = folder / "million.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow([formats.HEADERS["en"][c] for c in formats.COLUMNS])
        for copy in range(10):
            for row in base:
                writer.writerow([f"{row['id']}-{copy}" if c == "id" else row[c]
                                 for c in formats.COLUMNS])
    unlocked = stores.new()
    mapping, _ = init_mapping(path)
    mapping_file = folder / "million.yaml"
    mapping_file.write_text(mapping.as_yaml(), encoding="utf-8")
    location = unlocked.store.location
    unlocked.store.dispose()
    child = subprocess.run([sys.executable, __file__, "--child", str(path), str(mapping_file),
                            location, str(folder)], capture_output=True, text=True, check=False)
    if child.returncode != 0:
        console.print(child.stderr[-3000:])
        raise SystemExit("the million-row import failed")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    size = path.stat().st_size / 1024**2
    table = Table(title=f"1,000,000 CSV rows ({backend})")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("file size", f"{size:,.0f} MiB")
    table.add_row("imported records", f"{result['imported']:,}")
    table.add_row("import time", f"{result['seconds']:,.1f} s "
                  f"({result['imported'] / result['seconds']:,.0f} rows/s)")
    growth = result["peak_mib"] - result["base_mib"]
    table.add_row("resident memory of the importing process",
                  f"{result['base_mib']:,.0f} MiB before the import, at most "
                  f"{result['peak_mib']:,.0f} MiB during it (+{growth:,.0f} MiB)")
    table.add_row("CPU time of the importing process", f"{result['cpu']:,.1f} s")
    console.print(table)


def _rss_mib() -> float:
    """This process's resident memory now (Linux ``/proc``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, mapping_file: str, location: str, folder: str) -> None:
    """The million-row import, alone in its process so that its memory is its own: resident
    memory is sampled at every batch, and its highest value is compared with the value just
    before the import began (the modules and the unlocked vault)."""
    from surplace.io.mapping import load_mapping

    settings = Settings(store=location, blob_dir=Path(folder) / "blobs")
    store = open_store(settings)
    unlocked = vault_service.unlock(store, user_name="admin", passphrase="benchmark passphrase")
    mapping = load_mapping(Path(mapping_file))
    base = _rss_mib()
    highest = [base]

    def sample(_: Any) -> None:
        highest[0] = max(highest[0], _rss_mib())

    with unlocked.session() as session:
        seconds, report = timed(lambda: import_file(
            session, actor=unlocked.actor, source="SYN-BENCH", path=Path(path), mapping=mapping,
            rejects_path=Path(folder) / "million.rejects.csv", on_progress=sample))
    highest[0] = max(highest[0], _rss_mib())
    print(json.dumps({"imported": report.imported, "seconds": seconds, "peak_mib": highest[0],
                      "base_mib": base, "cpu": time.process_time()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,kobo-json")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    wanted = args.formats.split(",")
    with tempfile.TemporaryDirectory(prefix="surplace-import-bench-") as name:
        folder = Path(name)
        stores = Stores(args.backend, folder, args.pg_url)
        try:
            console.print(f"Writing {args.rows:,} synthetic rows per format …")
            files = make_files(folder, args.rows, wanted)
            table = Table(title=f"Import of {args.rows:,} rows ({args.backend}), sensitive "
                          "fields sealed")
            for column in ("format", "rows", "records", "pandas read", "import", "rows/s",
                           "ratio (goal ≤ 3×)", "CPU: pandas / import", "CPU ratio", "read",
                           "convert", "digest+seal+insert", "seal alone", "insert alone",
                           "floor: read + insert"):
                table.add_column(column, justify="right")
            for kind in wanted:
                result = run_format(stores, kind, files[kind])
                table.add_row(
                    kind, f"{result['rows']:,}", f"{result['records']:,}",
                    f"{result['pandas']:.2f} s", f"{result['import']:.2f} s",
                    f"{result['rows'] / result['import']:,.0f}",
                    f"{result['import'] / result['pandas']:.1f}×",
                    f"{result['pandas_cpu']:.2f} / {result['cpu']:.2f} s",
                    f"{result['cpu'] / result['pandas_cpu']:.1f}×",
                    f"{result['read']:.2f} s",
                    f"{result['convert']:.2f} s", f"{result['store']:.2f} s",
                    f"{result['seal']:.2f} s", f"{result['insert']:.2f} s",
                    f"{(result['read'] + result['insert']) / result['pandas']:.1f}×")
            console.print(table)
            if args.million:
                million(folder, args.backend, stores)
        finally:
            stores.drop()


if __name__ == "__main__":
    main()
