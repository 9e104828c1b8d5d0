"""The application factory.

The store is unlocked once, when the server starts, with the operator's passphrase; the keyring
stays in memory for the life of the process. Each request then acts as the user who signed in:
its database session carries that user's id to the audit chain and its service calls carry that
user's :class:`~surplace.access.policy.Actor` to the policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from surplace.access import auth
from surplace.config import Settings
from surplace.vault.service import Unlocked
from surplace.web import csrf, errors, i18n, middleware, nav
from surplace.web.routes import ROUTERS, access_table
from surplace.web.templating import add_context_hook, make_templates
from surplace.web.throttle import SlidingWindow

STATIC = Path(__file__).parent / "static"


def create_app(unlocked: Unlocked, *, settings: Settings, secure_cookies: bool = False,
               auth_rules: auth.AuthRules = auth.DEFAULT_RULES) -> FastAPI:
    """A FastAPI application serving ``unlocked``'s store.

    ``secure_cookies`` marks session cookies Secure; set it whenever the server is reached over
    TLS (directly or behind a proxy that terminates it). Passwords are hashed with the
    settings' Argon2id parameters (``SURPLACE_ARGON2_*``).
    """
    app = FastAPI(title="surplace", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf.check_csrf)],
                  lifespan=_handling_at_once(settings.web_threads))
    app.state.unlocked = unlocked
    app.state.settings = settings
    app.state.secure_cookies = secure_cookies
    app.state.templates = make_templates()
    app.state.catalogues = i18n.load_catalogues()
    app.state.auth_rules = auth_rules
    app.state.hasher = auth.make_hasher(time_cost=settings.argon2_time_cost,
                                        memory_kib=settings.argon2_memory_kib,
                                        parallelism=settings.argon2_parallelism)
    app.state.sign_in_throttle = SlidingWindow(limit=10, window=600.0)
    app.state.access = access_table()
    for hook in (i18n.context, csrf.context, nav.context):
        add_context_hook(hook)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    errors.install(app)
    middleware.install(app)
    return app


def _handling_at_once(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that lets the process run ``threads`` requests at once (Starlette runs each
    page in a thread of anyio's pool, 40 by default).

    Pages are CPU work under one interpreter lock: forty threads on two cores do not answer
    sooner than four, they take turns on the lock every few milliseconds, so every request
    in flight finishes late, and a thread holding SQLite's write lock (a read's audit entry)
    waits for the interpreter while the other process's writers wait for it. With a few
    threads the rest queue in order and the slowest answers come much sooner: at 20 clients
    on 2 workers the incident list's p95 was 307 ms with 8 threads, 309 with 4, 187 with 2
    and 173 with 1 (``benchmarks/web.py``, SQLite, 50,000 cases). Two, not one, so that a
    slow request (an export) does not hold up everyone else on its worker."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan
