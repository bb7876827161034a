"""Every endpoint of every service, aimed at another office's things: what an officer of one
office tries, and what each try must get (404 for anything named by id, so that existence
does not leak; lists and reports of the officer's own office only)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.integration.offices.world import WAITING_TYPE, Story, registration

OPERATIONS = {"/health", "/ready", "/asyncapi.json"}
Check = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class Attempt:
    service: str
    method: str
    template: str  # the route as the service declares it
    role: str
    ids: dict[str, str] = field(default_factory=dict)
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    status: int = 404

    @property
    def path(self) -> str:
        return self.template.format(**self.ids)

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def attempts_on(victim: Story) -> list[Attempt]:
    """What an officer of another office tries against `victim`'s office, endpoint by endpoint."""
    assert victim.registry_entry is not None
    flag = {"reason": "DATA_ENTRY_ERROR", "note": "bukan kantor ini"}
    delivered = {"recipient_name": "Orang Lain", "relationship": "OTHER", "note": ""}
    returned = {"reason": "REFUSED", "note": ""}
    return [
        # intake
        Attempt(
            "intake",
            "POST",
            "/dossiers",
            "FO",
            body=registration(victim.registry_entry),
            status=422,
        ),
        Attempt("intake", "GET", "/dossiers", "FO", status=200),
        Attempt("intake", "GET", "/dossiers/{dossier_id}", "FO", {"dossier_id": victim.waiting}),
        Attempt(
            "intake",
            "POST",
            "/dossiers/{dossier_id}/flags",
            "FO",
            {"dossier_id": victim.waiting},
            flag,
        ),
        Attempt(
            "intake",
            "POST",
            "/dossiers/{dossier_id}/flags/resolve",
            "FO",
            {"dossier_id": victim.flagged},
            {"note": ""},
        ),
        Attempt(
            "intake",
            "POST",
            "/recaps",
            "FO",
            body={"document_type": WAITING_TYPE[victim.office].value},
            status=409,
        ),
        Attempt(
            "intake", "GET", "/recaps/{recap_id}", "FO", {"recap_id": victim.recap_awaiting_letter}
        ),
        Attempt(
            "intake",
            "GET",
            "/recaps/{recap_id}/pdf",
            "FO",
            {"recap_id": victim.recap_awaiting_letter},
        ),
        # approval
        Attempt("approval", "GET", "/recaps", "KASUBBAG_UMUM", status=200),
        Attempt(
            "approval",
            "POST",
            "/letters",
            "KASUBBAG_UMUM",
            body={"recap_id": victim.recap_awaiting_letter},
        ),
        Attempt("approval", "GET", "/letters", "KASUBBAG_UMUM", status=200),
        *(
            Attempt(
                "approval",
                method,
                template,
                role,
                {"letter_id": victim.letter_awaiting_signature},
                body,
            )
            for method, template, role, body in [
                ("GET", "/letters/{letter_id}", "KASUBBAG_UMUM", None),
                ("GET", "/letters/{letter_id}/pdf", "SEKRETARIS", None),
                ("POST", "/letters/{letter_id}/sign", "SEKRETARIS", None),
                ("POST", "/letters/{letter_id}/reject", "SEKRETARIS", {"reason": "salah kantor"}),
            ]
        ),
        # courier
        Attempt("courier", "GET", "/handovers", "COURIER", status=200),
        Attempt(
            "courier",
            "GET",
            "/handovers/{letter_id}",
            "COURIER",
            {"letter_id": victim.letter_ready},
        ),
        Attempt(
            "courier",
            "POST",
            "/handovers/{letter_id}/accept",
            "COURIER",
            {"letter_id": victim.letter_ready},
        ),
        Attempt(
            "courier",
            "POST",
            "/deliveries/{dossier_id}/delivered",
            "COURIER",
            {"dossier_id": victim.with_courier},
            delivered,
        ),
        Attempt(
            "courier",
            "POST",
            "/deliveries/{dossier_id}/returned",
            "COURIER",
            {"dossier_id": victim.with_courier},
            returned,
        ),
        Attempt(
            "courier",
            "POST",
            "/returns/{dossier_id}/receive",
            "KASUBBAG_UMUM",
            {"dossier_id": victim.returned},
        ),
        Attempt("courier", "GET", "/returns", "KASUBBAG_UMUM", status=200),
        # reporting
        Attempt(
            "reporting",
            "GET",
            "/control-cards/{dossier_id}",
            "AUDITOR",
            {"dossier_id": victim.delivered},
        ),
        *(
            Attempt("reporting", "GET", "/reports/deliveries", "AUDITOR", query=q, status=200)
            for q in ({}, {"format": "csv"}, {"format": "pdf"})
        ),
        Attempt("reporting", "GET", "/reports/undelivered", "AUDITOR", status=200),
        Attempt("reporting", "GET", "/reports/delays", "AUDITOR", status=200),
        Attempt("reporting", "GET", "/audit/events", "AUDITOR", query={"limit": "500"}, status=200),
        Attempt("reporting", "GET", "/audit/verify", "AUDITOR", status=200),
    ]


def routes_of(service: str, app: FastAPI) -> set[tuple[str, str, str]]:
    """Every (service, method, path) the app serves but its operational probes."""
    return {
        (service, method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path not in OPERATIONS
        for method in route.methods
    }


def covered(attempts: list[Attempt]) -> set[tuple[str, str, str]]:
    return {(a.service, a.method, a.template) for a in attempts}
