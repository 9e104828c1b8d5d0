"""Fixtures for every web test (core and pages), on SQLite and PostgreSQL.

- ``web_store``: an unlocked store (the ``unlocked`` fixture of tests/conftest.py, so every test
  using it runs on both back ends) with one web account per role, all with the password
  :data:`PASSWORD`. It is a :class:`WebStore`: ``.unlocked``, ``.settings``, ``.user_ids[role]``,
  ``.user_names[role]``, ``.actor(role)`` (an :class:`Actor` for calling services as that role)
  and ``.session(role)`` (a transaction acting as that role, with the keyring).
- ``app``: the FastAPI application over that store (``create_app``).
- ``client``: a ``TestClient`` for ``app`` that does NOT follow redirects (assert the 303s; pass
  ``follow_redirects=True`` to a call to follow them). Not signed in.
- ``sign_in(client, role)``: signs ``client`` in as the account of ``role`` (a session made by
  the auth service, as the sign-in form would; ``via_form=True`` goes through the form) and
  returns the client. ``sign_in(client, None)`` signs it out.
- ``csrf(client)``: the CSRF token for ``client``'s current session, for the ``csrf_token``
  field of a form post (or the ``X-CSRF-Token`` header); ``form(client, **fields)`` returns
  ``fields`` with it added.
- ``sample_ids``: a dict ``{path parameter name: value}`` naming an existing object for every
  path parameter of the app's routes (the role × route test fills paths with it).

Extending ``sample_ids`` (the hook for the pages' tests): any module
``tests/web/test_pages_*.py`` or ``tests/web/test_api_*.py`` may define::

    def add_sample_ids(web_store: WebStore, ids: dict[str, str]) -> None:
        ids["case_id"] = ...   # create synthetic objects through the services, add their ids

It is called (modules in file-name order) every time ``sample_ids`` is built, including when
only the matrix test runs. Objects should be visible to the roles that may see them (e.g. assign
the sample case to the caseworker account ``web_store.user_names["caseworker"]``).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette asks for its fork "httpx2"; the project installs httpx, which works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from surplace.access import auth, users
from surplace.access.models import ROLES
from surplace.access.policy import Actor
from surplace.config import Settings
from surplace.vault.service import Unlocked
from surplace.web import csrf as web_csrf
from surplace.web.app import create_app
from surplace.web.middleware import PRE_COOKIE, SESSION_COOKIE

#: Synthetic web password of every test account (long enough for the password policy).
PASSWORD = "synthetic web password 0001"
ROLE_NAMES: tuple[str, ...] = tuple(ROLES)
#: One Argon2id pass at the 64 MiB floor keeps sign-ins quick in tests.
TEST_HASHER = auth.make_hasher(time_cost=1)
WEB_DIR = Path(__file__).parent


@dataclass
class WebStore:
    unlocked: Unlocked
    settings: Settings
    user_ids: dict[str, str] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)
    password: str = PASSWORD

    def actor(self, role: str) -> Actor:
        return Actor(self.user_ids[role], self.user_names[role], role)

    def session(self, role: str = "admin") -> AbstractContextManager[Session]:
        return self.unlocked.store.session(keyring=self.unlocked.keyring,
                                           actor_id=self.user_ids[role])


@pytest.fixture
def web_store(unlocked: Unlocked, settings: Settings) -> WebStore:
    web_settings = settings.model_copy(update={"argon2_time_cost": 1})
    store = WebStore(unlocked=unlocked, settings=web_settings)
    admin = unlocked.actor
    store.user_ids["admin"], store.user_names["admin"] = admin.user_id, admin.name
    with unlocked.session() as session:
        auth.set_password(session, actor=admin, user_id=admin.user_id, password=PASSWORD,
                          hasher=TEST_HASHER)
        for role in ROLE_NAMES:
            if role == "admin":
                continue
            name = f"{role}-1"
            store.user_ids[role] = users.create_user(session, actor=admin, name=name, role=role,
                                                     password=PASSWORD, hasher=TEST_HASHER)
            store.user_names[role] = name
    return store


@pytest.fixture
def app(web_store: WebStore) -> FastAPI:
    return create_app(web_store.unlocked, settings=web_store.settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def _pre_key(client: TestClient) -> str:
    key: str | None = client.cookies.get(PRE_COOKIE)
    if not key:
        key = web_csrf.new_key()
        client.cookies.set(PRE_COOKIE, key)
    return key


def csrf_token_of(client: TestClient) -> str:
    """The token a page served to ``client`` now would carry in its forms."""
    session_token = client.cookies.get(SESSION_COOKIE)
    return web_csrf.token_for(str(session_token or _pre_key(client)))


@pytest.fixture
def csrf() -> Callable[[TestClient], str]:
    return csrf_token_of


@pytest.fixture
def form() -> Callable[..., dict[str, str]]:
    def _form(client: TestClient, **fields: str) -> dict[str, str]:
        return {**fields, web_csrf.CSRF_FIELD: csrf_token_of(client)}
    return _form


@pytest.fixture
def sign_in(web_store: WebStore) -> Callable[..., TestClient]:
    def _sign_in(client: TestClient, role: str | None, *, via_form: bool = False) -> TestClient:
        client.cookies.delete(SESSION_COOKIE)
        if role is None:
            return client
        if via_form:
            response = client.post("/sign-in", data={
                "name": web_store.user_names[role], "password": PASSWORD,
                web_csrf.CSRF_FIELD: csrf_token_of(client)})
            assert response.status_code == 303, response.text
            return client
        with web_store.session(role) as session:
            token = auth.start_session(session, user_id=web_store.user_ids[role])
        client.cookies.set(SESSION_COOKIE, token)
        return client
    return _sign_in


def sample_id_hooks() -> list[Callable[[WebStore, dict[str, str]], Any]]:
    """Every ``add_sample_ids`` of the pages' and API's test modules, in file-name order."""
    hooks = []
    paths = sorted([*WEB_DIR.glob("test_pages_*.py"), *WEB_DIR.glob("test_api_*.py")])
    for path in paths:
        module = importlib.import_module(f"tests.web.{path.stem}")
        hook = getattr(module, "add_sample_ids", None)
        if hook is not None:
            hooks.append(hook)
    return hooks


@pytest.fixture
def sample_ids(web_store: WebStore) -> dict[str, str]:
    """Ids of existing objects for path parameters: the core's, then the hooks'."""
    admin = web_store.actor("admin")
    with web_store.session("admin") as session:
        target = users.create_user(session, actor=admin, name="sample-target", role="viewer",
                                   password=PASSWORD, hasher=TEST_HASHER)
        _, token = auth.create_token(session, actor=admin, label="sample")
    ids: dict[str, str] = {"user_id": target, "token_id": token.id}
    for hook in sample_id_hooks():
        hook(web_store, ids)
    return ids
