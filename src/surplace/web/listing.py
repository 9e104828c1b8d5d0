"""The page of a long list that a request asks for, and what a list template needs to draw its
pager.

Every list page reads ``offset`` from the query string, shows :data:`PAGE_SIZE` rows from
there and draws ``pages(pager, page_query)``, whose links keep the reader's filters and change
only the offset. The routes wrote those steps out one by one; :class:`ListPage` is them once.
(The JSON API pages with :data:`surplace.web.api.PageDep`, and a library such as
fastapi-pagination answers JSON too; an HTML page's links are made from the query string the
browser sent, which is what :func:`~surplace.web.views_common.query_without` does.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from surplace.web.views_common import PAGE_SIZE, Pager, offset_of, query_without

T = TypeVar("T")


@dataclass(frozen=True)
class ListPage:
    """The rows from ``start`` that one page of a list shows, for ``request``."""

    request: Request
    start: int
    size: int = PAGE_SIZE

    @classmethod
    def of(cls, request: Request) -> ListPage:
        """The page the query string's ``offset`` names (the first for none or a bad one)."""
        return cls(request, offset_of(request.query_params.get("offset")))

    def rows(self, found: Sequence[T]) -> list[T]:
        """This page's rows of a list read whole (a service that does not page itself)."""
        return list(found[self.start:self.start + self.size])

    def page_query(self, **changes: Any) -> str:
        """The query string of another page: the reader's filters kept, ``changes`` applied."""
        return query_without(self.request, "offset", **changes)

    def pager(self, total: int) -> dict[str, Any]:
        """The template's ``pager`` and ``page_query`` for a list of ``total`` rows."""
        return {"pager": Pager(self.start, self.size, total), "page_query": self.page_query}
