"""``surplace serve``: the web application and API over one store.

The store is unlocked once, here, with the operator's passphrase (prompt, SURPLACE_PASSPHRASE
or --key-file); staff then sign in with their own web accounts (``surplace user add``).

With ``--workers N`` the server runs N processes (Python runs one thread at a time per process,
so one process uses one core); each worker unlocks the store itself, so the passphrase must come
from SURPLACE_PASSPHRASE or --key-file, not from a prompt. The workers share nothing but the
store: every request asks the store who is signed in, so signing out ends a session in every
worker at once.
"""

from __future__ import annotations

import gc
import os
import socket
from typing import TYPE_CHECKING, Annotated

import typer
from fastapi import FastAPI

from surplace.cli.common import (
    UsageProblem,
    acting_user,
    info,
    read_passphrase,
    state,
    unlocked_store,
)
from surplace.config import Settings
from surplace.store.engine import refresh_statistics

if TYPE_CHECKING:
    import uvicorn

#: How the parent tells its workers (fresh processes) which store to serve and how: the
#: settings that came from options are put in the environment the workers inherit.
_SECURE_COOKIES = "SURPLACE_SERVE_SECURE_COOKIES"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies",
        help="Mark cookies Secure: set when users reach the server over HTTPS (directly or "
             "through a proxy that terminates TLS).")] = False,
    workers: Annotated[int, typer.Option(
        help="Server processes (one per core is a good start). More than one needs the "
             "passphrase from SURPLACE_PASSPHRASE or --key-file.", min=1, max=64)] = 1,
) -> None:
    """Serve the web pages and the API until interrupted (Ctrl-C)."""
    import uvicorn

    from surplace.web.app import create_app

    settings = state(ctx).settings
    if workers > 1 and settings.key_file is None and settings.passphrase is None:
        raise UsageProblem("--workers above 1 needs the passphrase from SURPLACE_PASSPHRASE or "
                           "--key-file: each worker unlocks the store itself.")
    shown = f"[{host}]" if ":" in host else host
    with unlocked_store(ctx) as unlocked:  # a wrong passphrase stops here, before any worker
        refresh_statistics(unlocked.store)
        info(f"Serving {unlocked.store.location} at http://{shown}:{port}/ "
             f"({workers} worker{'s' if workers > 1 else ''}; Ctrl-C to stop).")
        if workers == 1:
            app = settled(create_app(unlocked, settings=settings, secure_cookies=secure_cookies))
            uvicorn.run(app, host=host, port=port, server_header=False, log_level="info")
            return
    _hand_to_workers(settings, secure_cookies=secure_cookies)
    _run_workers(uvicorn.Config("surplace.cli.web:worker_app", factory=True, workers=workers,
                                host=host, port=port, server_header=False, log_level="info"))


def _run_workers(config: uvicorn.Config) -> None:
    """What ``uvicorn.run`` does with ``workers`` > 1, with Nagle's algorithm turned off.

    The workers receive the listening socket rebuilt from its descriptor, which no longer says
    it is TCP, so asyncio does not set TCP_NODELAY on the connections they accept; a keep-alive
    response then waits for the client's delayed acknowledgement (~40 ms a request on Linux).
    Accepted sockets inherit the option from the listening one."""
    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


def _hand_to_workers(settings: Settings, *, secure_cookies: bool) -> None:
    os.environ["SURPLACE_STORE"] = settings.store
    if settings.blob_dir is not None:
        os.environ["SURPLACE_BLOB_DIR"] = str(settings.blob_dir)
    if settings.key_file is not None:
        os.environ["SURPLACE_KEY_FILE"] = str(settings.key_file)
    os.environ["SURPLACE_USER"] = acting_user(settings)
    os.environ[_SECURE_COOKIES] = "1" if secure_cookies else ""


def worker_app() -> FastAPI:
    """The application of one worker process: the store named by the environment the parent
    set, unlocked with the passphrase from SURPLACE_PASSPHRASE or the key file."""
    from surplace.store.engine import open_store
    from surplace.vault import service as vault_service
    from surplace.web.app import create_app

    settings = Settings()
    unlocked = vault_service.unlock(open_store(settings), user_name=acting_user(settings),
                                    passphrase=read_passphrase(settings))
    return settled(create_app(unlocked, settings=settings,
                              secure_cookies=bool(os.environ.get(_SECURE_COOKIES))))


def settled(app: FastAPI) -> FastAPI:
    """``app`` after moving everything made at start (compiled templates, catalogues, the
    gazetteer, SQLAlchemy's mappers and cached statements) out of the garbage collector's
    generations: they live as long as the process, and without this every collection during a
    request walks them again (profiling a list page measured its query step at 15-21 ms with
    them, about 10 ms after freezing)."""
    gc.collect()
    gc.freeze()
    return app
