"""``surplace serve``: the web application and API over one store.

The store is unlocked once, here, with the operator's passphrase (prompt, SURPLACE_PASSPHRASE
or --key-file); staff then sign in with their own web accounts (``surplace user add``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from surplace.cli.common import info, state, unlocked_store


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies",
        help="Mark cookies Secure: set when users reach the server over HTTPS (directly or "
             "through a proxy that terminates TLS).")] = False,
) -> None:
    """Serve the web pages and the API until interrupted (Ctrl-C)."""
    import uvicorn

    from surplace.web.app import create_app

    settings = state(ctx).settings
    with unlocked_store(ctx) as unlocked:
        app = create_app(unlocked, settings=settings, secure_cookies=secure_cookies)
        shown = f"[{host}]" if ":" in host else host
        info(f"Serving {unlocked.store.location} at http://{shown}:{port}/ "
             "(Ctrl-C to stop).")
        uvicorn.run(app, host=host, port=port, server_header=False, log_level="info")
