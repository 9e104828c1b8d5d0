"""Every route module, in the order their routers are included.

Each module defines ``router`` (an ``APIRouter``; pages at ``/…``, JSON under ``/api/v1/…``) and
``ACCESS``: for each route it declares, as ``"METHOD /path"``, the roles that may use it. The
role × route test (tests/web/test_access_matrix.py) checks every route of the app is declared and
that each role gets exactly what its row says — the declaration is checked against the services'
policy, so a route cannot quietly widen access.
"""

from __future__ import annotations

from types import ModuleType

ROUTERS: list[ModuleType] = []
