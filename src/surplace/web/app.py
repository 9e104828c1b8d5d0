"""The application factory.

The store is unlocked once, when the server starts, with the operator's passphrase; the keyring
stays in memory for the life of the process. Each request then acts as the user who signed in:
its database session carries that user's id to the audit chain and its service calls carry that
user's :class:`~surplace.access.policy.Actor` to the policy.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from surplace.config import Settings
from surplace.vault.service import Unlocked
from surplace.web.routes import ROUTERS
from surplace.web.templating import make_templates

STATIC = Path(__file__).parent / "static"


def create_app(unlocked: Unlocked, *, settings: Settings, secure_cookies: bool = False) -> FastAPI:
    """A FastAPI application serving ``unlocked``'s store.

    ``secure_cookies`` marks session cookies Secure; set it whenever the server is reached over
    TLS (directly or behind a proxy that terminates it).
    """
    app = FastAPI(title="surplace", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.unlocked = unlocked
    app.state.settings = settings
    app.state.secure_cookies = secure_cookies
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    return app
