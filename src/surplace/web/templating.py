"""Jinja2 templates with autoescaping everywhere: text from the store is data, never markup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Environment:
    from surplace.web.i18n import FILTERS

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Compiled templates are kept for the life of the process without a stat() of every
        # template file (and of each one it extends or includes) on every page: templates
        # change with a release, which restarts the server.
        auto_reload=False,
        cache_size=-1,
    )
    environment.filters.update(FILTERS)
    return environment


def render(request: Request, template: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page: ``template`` rendered with ``context`` plus what every page needs (the request,
    the signed-in actor if any, and whatever :data:`CONTEXT_HOOKS` add: translation, CSRF token)."""
    environment: Environment = request.app.state.templates
    full: dict[str, Any] = {"request": request, "actor": getattr(request.state, "actor", None)}
    for hook in CONTEXT_HOOKS:
        full.update(hook(request))
    full.update(context)
    html = environment.get_template(template).render(full)
    return HTMLResponse(html, status_code=status_code)


#: Functions adding to every page's context (the sign-in and language modules register theirs).
CONTEXT_HOOKS: list[Callable[[Request], dict[str, Any]]] = []


def add_context_hook(hook: Callable[[Request], dict[str, Any]]) -> None:
    """Register ``hook`` once (creating several apps in one process must not repeat it)."""
    if hook not in CONTEXT_HOOKS:
        CONTEXT_HOOKS.append(hook)
