"""The conventions of the JSON API under ``/api/v1``, shared by every resource.

- Pagination: ``?limit=&offset=`` (:data:`PageDep`; ``limit`` at most :data:`MAX_LIMIT`), answered
  as a :class:`Page` with ``items``, ``total`` (when known), ``limit``, ``offset`` and ``next``
  (the URL of the following page, or ``null``). Build one with :func:`make_page`.
- Filters are query parameters of the resource.
- Errors are ``application/problem+json`` (RFC 9457): ``status``, ``title``, ``detail`` and, when
  one input is wrong, ``field`` (its name) and ``errors`` (each wrong field with its message);
  :func:`problem` makes one, :mod:`surplace.web.errors` answers every error of an API route so.
- Authentication: a bearer token (``Authorization: Bearer sp_…``, made on the account page or
  with ``surplace user token``) or the browser's session cookie.
- The OpenAPI description at ``/api/v1/openapi.json`` covers the ``/api/v1`` routes only
  (:func:`openapi_schema`).

A resource route is an ordinary route of a module's ``router``, declared in its ``ACCESS``::

    @router.get("/api/v1/things", response_model=Page[ThingOut], responses=PROBLEMS)
    def list_things(request: Request, actor: ActorDep, session: SessionDep,
                    page: PageDep) -> Page[ThingOut]:
        rows, total = thing_service.list(session, actor=actor, limit=page.limit,
                                         offset=page.offset)
        return make_page(request, rows, page, total)
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

API_PREFIX = "/api/v1"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: Beyond any real table; keeps a hostile offset from overflowing the database's integer.
MAX_OFFSET = 1_000_000_000
PROBLEM_TYPE = "application/problem+json"

T = TypeVar("T")


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT,
                                description=f"Items per page (1–{MAX_LIMIT}).")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET,
                                 description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int | None
    limit: int
    offset: int
    next: str | None


def make_page(request: Request, items: list[T], params: PageParams,
              total: int | None = None) -> Page[T]:
    """A page with its ``next`` link: present when more items follow (when ``total`` is unknown,
    when this page is full)."""
    following = params.offset + params.limit
    more = following < total if total is not None else len(items) >= params.limit
    next_url = (str(request.url.include_query_params(offset=following, limit=params.limit))
                if more else None)
    return Page[T](items=items, total=total, limit=params.limit, offset=params.offset,
                   next=next_url)


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    field: str | None = None
    errors: list[FieldProblem] | None = None
    error_id: str | None = None


def problem(status: int, title: str, *, detail: str | None = None, field: str | None = None,
            errors: list[FieldProblem] | None = None, error_id: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, field=field, errors=errors,
                   error_id=error_id)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        media_type=PROBLEM_TYPE, headers=headers)


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


#: ``responses=`` for an API route: the problems it can answer with, documented.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem_response("Not signed in: give a bearer token."),
    403: _problem_response("The policy refuses this to your role."),
    404: _problem_response("No such object."),
    422: _problem_response("Invalid input; `field` names the first wrong one."),
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description of the ``/api/v1`` routes (built once per app)."""
    cached: dict[str, Any] | None = getattr(app.state, "api_openapi", None)
    if cached is not None:
        return cached
    routes: list[RouteContext] = [
        context for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and (context.path or "").startswith(API_PREFIX)
        and context.original_route.include_in_schema
    ]
    schema = get_openapi(
        title="surplace API", version="1",
        description="Protection records, incidents and estimates as JSON. Every call acts as "
                    "the token's user and is held to that user's role.",
        routes=routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}")
    for name, definition in components["schemas"]["Problem"].pop("$defs", {}).items():
        components["schemas"].setdefault(name, definition)
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    schema["security"] = [{"bearer": []}]
    app.state.api_openapi = schema
    return schema
