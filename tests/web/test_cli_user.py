"""``surplace user add | passwd | token`` run as a user would, in a subprocess (both back ends).
``surplace serve`` is run by the browser walk-through (tests/web/browser)."""

from __future__ import annotations

import json

from surplace.access import auth
from tests.clirun import surplace
from tests.conftest import cli_env
from tests.web.conftest import TEST_HASHER, WebStore

NEW_PASSWORD = "synthetic cli password 42"


def test_user_add_passwd_and_token(web_store: WebStore) -> None:
    env = cli_env(web_store.settings)
    added = surplace("user", "add", "field-worker", "--role", "caseworker", "--locale", "ko",
                     "--json", env=env, stdin=NEW_PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["role"] == "caseworker"
    assert NEW_PASSWORD not in added.stdout + added.stderr

    weak = surplace("user", "passwd", "field-worker", env=env, stdin="short\n")
    assert weak.returncode == 1
    assert weak.stderr.strip().splitlines() == [
        "Error: password: must be at least 12 characters long."]

    changed = surplace("user", "passwd", "field-worker", env=env,
                       stdin="another synthetic password\n")
    assert changed.returncode == 0, changed.stderr

    made = surplace("user", "token", "field-worker", "--label", "sync job", env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("sp_") and token not in made.stderr

    with web_store.session() as session:
        signed = auth.authenticate(session, name="field-worker",
                                   password="another synthetic password", hasher=TEST_HASHER)
        resolved = auth.resolve_token(session, token=token)
    assert signed.outcome == "ok"
    assert resolved is not None and resolved.role == "caseworker" and resolved.locale == "ko"


def test_user_commands_refuse_clearly(web_store: WebStore) -> None:
    env = cli_env(web_store.settings)
    unknown = surplace("user", "token", "nobody-here", "--label", "x", env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "Error: No user account of that name."
    bad_role = surplace("user", "add", "someone", "--role", "boss", env=env,
                        stdin=NEW_PASSWORD + "\n")
    assert bad_role.returncode == 1 and "role: choose one of" in bad_role.stderr
    assert "Traceback" not in unknown.stderr + bad_role.stderr
