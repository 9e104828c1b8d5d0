"""The API's own description: ``/api/v1/openapi.json`` (the ``/api/v1`` routes only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from surplace.web.api import openapi_schema

router = APIRouter()

PUBLIC = frozenset({"GET /api/v1/openapi.json"})
ACCESS: dict[str, frozenset[str]] = {}


@router.get("/api/v1/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_schema(request.app))
