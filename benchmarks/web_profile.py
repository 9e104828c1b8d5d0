"""CPU time and database statements per page request, in one process, without a server.

    .venv/bin/python benchmarks/web_profile.py [--cases 50000] [--records 200000]
                                               [--backend sqlite|postgresql] [--requests 30]
                                               [--page NAME ...] [--queries]
                                               [--profile] [--sort cumulative|tottime]
                                               [--top 30]

Opens the store that ``benchmarks/web.py`` built and cached (it never builds one: run that
first), makes the application with ``create_app`` and requests the case list, a case page, the
incident list and the dashboard through a ``TestClient`` signed in as the administrator, each
``--requests`` times after two warm-up requests. It prints, per page, the CPU time of this
process per request, mean and least (``time.process_time``: unlike wall time it grows little
when other jobs load the machine; on PostgreSQL the database server's own CPU is not in it)
and the SQL statements per request (counted with a SQLAlchemy event). The static file is the
floor: what the test client and the middleware cost without a page. ``--queries`` lists one
request's statements with the CPU each took; ``--profile`` runs each page again under cProfile
(in every thread: the test client serves the application from threads of its own) and prints
the ``--top`` functions. Goal (issue 7): p95 under 150 ms with 20 clients on 2 cores, roughly
10-15 ms of CPU per request. All data is synthetic.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from web import PASSPHRASE, Built, _session_token, _settings  # noqa: E402


def _client(built: Built) -> tuple[Any, Any]:
    """A TestClient signed in as the administrator, and the store's engine."""
    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    from surplace.store.engine import open_store
    from surplace.vault import service as vault_service
    from surplace.web.app import create_app
    from surplace.web.middleware import SESSION_COOKIE

    settings = _settings(built.store, built.blob_dir)
    store = open_store(settings)
    unlocked = vault_service.unlock(store, user_name="admin", passphrase=PASSPHRASE)
    app = create_app(unlocked, settings=settings)
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, _session_token(built.store, built.blob_dir))
    return client, store.engine


class ThreadProfiles:
    """cProfile in every thread started while it is on, merged into one table."""

    def __init__(self, order: str) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.order = order

    def _start(self, *_: object) -> None:
        profile = cProfile.Profile()
        self.profiles.append(profile)
        profile.enable()  # replaces this hook in this thread

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start)
        self._start()
        return self

    def __exit__(self, *_: object) -> None:
        threading.setprofile(None)
        for profile in self.profiles:
            profile.disable()  # only stops the calling thread's; the others are idle

    def table(self, top: int) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self.profiles[0], stream=out)
        for profile in self.profiles[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a thread that never ran anything
                continue
        stats.sort_stats(self.order).print_stats(top)
        return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "surplace-bench")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--page", action="append",
                        choices=("case list", "case page", "incident list", "dashboard"),
                        help="only these pages (repeatable); default: all four")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each page")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--queries", action="store_true",
                        help="print each page's statements with their CPU ms (one request)")
    args = parser.parse_args()

    marker = args.cache / f"web-{args.backend}-{args.cases}-{args.records}.json"
    if not marker.exists():
        sys.exit(f"no cached store at {marker}: run benchmarks/web.py first")
    found = json.loads(marker.read_text())
    found.pop("schema", None)
    built = Built(**found)

    from sqlalchemy import event

    client, engine = _client(built)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    timed: list[tuple[float, str]] = []

    def started(*_: object) -> None:
        timed.append((time.process_time(), ""))

    def finished(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        began = timed.pop()[0]
        timed.append((time.process_time() - began, " ".join(statement.split())))

    if args.queries:
        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", finished)
    numbers = iter(random.Random(1).choices(built.case_numbers, k=1_000_000))  # noqa: S311
    pages: list[tuple[str, Callable[[], str]]] = [
        ("static file", lambda: "/static/style.css"),
        ("case list", lambda: "/cases"),
        ("case page", lambda: f"/cases/{next(numbers)}"),
        ("incident list", lambda: "/incidents"),
        ("dashboard", lambda: "/"),
    ]
    wanted = set(args.page or ()) | {"static file"} if args.page else None
    print(f"{args.backend}: {built.cases:,} cases; {args.requests} requests a page")
    print(f"{'page':<16}{'CPU ms':>9}{'min ms':>9}{'queries':>9}{'bytes':>9}")
    for name, path in pages:
        if wanted is not None and name not in wanted:
            continue
        for _ in range(2):
            response = client.get(path())
            if response.status_code != 200:
                sys.exit(f"{name}: HTTP {response.status_code}")
        statements = 0
        times: list[float] = []
        size = 0
        for _ in range(args.requests):
            target = path()
            began = time.process_time()
            response = client.get(target)
            times.append(time.process_time() - began)
            size = len(response.content)
        print(f"{name:<16}{1000 * sum(times) / len(times):>9.1f}{1000 * min(times):>9.1f}"
              f"{statements / args.requests:>9.1f}{size:>9,}", flush=True)
        if args.queries:
            timed.clear()
            client.get(path())
            for spent, statement in timed:
                print(f"  {1000 * spent:7.2f} ms  {statement[:150]}")
        if args.profile:
            profiles = ThreadProfiles(args.sort)
            with profiles:
                for _ in range(args.requests):
                    client.get(path())
            print(profiles.table(args.top))


if __name__ == "__main__":
    main()
