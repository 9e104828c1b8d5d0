"""Property-based testing of the API from its own OpenAPI description (schemathesis): no
generated request — valid or not — gets a server error, and every refusal is problem+json.

Bounded: a fixed number of examples per operation, derandomised so that a run is repeatable.
Runs on SQLite and PostgreSQL (PostgreSQL refuses integers SQLite takes, so both matter).

A generated id names nothing, so a route under an object would only ever answer 404 and never
read its body: about half the requests name an existing case or incident instead (:data:`EXISTING`),
so the write routes under them (an interview, an act) are probed with generated bodies too."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from surplace.access import auth
from surplace.incidents import service as incident_service
from tests.web.conftest import WebStore
from tests.web.test_pages_case_work import open_case

EXAMPLES = 12
#: Seconds a request may take before the probe calls it hung. The probe looks for server errors,
#: not latency: the suite shares two cores with the browser walk-through and the engines, and a
#: request stalled behind them for schemathesis' default 10 s is no 500.
HUNG_AFTER = 120
#: Path parameters that may be filled with an existing object's id.
EXISTING = ("case_id", "incident_id")


def _existing(web_store: WebStore) -> dict[str, str]:
    """One synthetic case waiting for its interview and one incident, as the admin's."""
    with web_store.session() as session:
        incident = incident_service.add_incident(session, actor=web_store.actor("admin"),
                                                 data={"title": "Synthetic fuzz incident"})
    return {"case_id": open_case(web_store, "admin", n=0), "incident_id": incident.id}


def test_openapi_describes_the_api_only(app: FastAPI, client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    assert "/api/v1/me" in schema["paths"] and "/api/v1/users" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    users = schema["paths"]["/api/v1/users"]["get"]
    assert {p["name"] for p in users["parameters"]} >= {"limit", "offset"}
    assert "application/problem+json" in users["responses"]["422"]["content"]
    for path in ("/api/v1/persons", "/api/v1/cases", "/api/v1/cases/{case_id}/interviews",
                 "/api/v1/incidents", "/api/v1/incidents/{incident_id}/acts"):
        write = schema["paths"][path]["post"]
        assert "Location" in write["responses"]["201"]["headers"], path
        assert {"403", "404", "422"} <= set(write["responses"]), path


def test_generated_requests_never_get_a_server_error(app: FastAPI,
                                                     web_store: WebStore) -> None:
    with web_store.session() as session:
        token, _ = auth.create_token(session, actor=web_store.actor("admin"), label="fuzz")
    bearer = {"Authorization": f"Bearer {token}"}
    existing = _existing(web_store)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def probe(case: Any) -> None:
                parameters = case.path_parameters or {}
                for name in EXISTING:
                    if name in parameters and len(str(parameters[name])) % 2 == 0:
                        parameters[name] = existing[name]
                response = case.call(headers=bearer, timeout=HUNG_AFTER)
                where = f"{case.method} {case.formatted_path} {case.query or ''}"
                if response.status_code >= 500:
                    problems.append(f"{response.status_code} on {where}")
                elif response.status_code >= 400 and not response.headers.get(
                        "content-type", [""])[0].startswith("application/problem+json"):
                    problems.append(f"{response.status_code} not problem+json on {where}")

            probe()
    assert operations >= 3
    assert not problems, "\n".join(sorted(set(problems))[:30])
