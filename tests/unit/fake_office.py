"""An in-memory stand-in for the four services' HTTP contract (DESIGN.md), for testing the
demo's client side before the real services exist. Other services' views lag one poll
behind, lists come in small pages, and every call must carry a token (and every POST an
Idempotency-Key), so the demo's patience, cursors and headers are exercised."""

import uuid
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

Json = dict[str, Any]
PAGE = 40


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"title": "problem", "status": status, "detail": detail}, status)


def fake_office(registry: dict[str, bool]) -> FastAPI:
    """`registry`: document number -> signed."""
    app = FastAPI()
    dossiers: dict[str, Json] = {}
    recaps: dict[str, Json] = {}
    letters: dict[str, Json] = {}
    attempts: dict[str, int] = {}  # failed delivery attempts by dossier
    seen_once: set[str] = set()  # what a lagging view has been asked about already
    calls: Counter[str] = Counter()
    app.state.calls = calls

    def lagging(key: str) -> bool:
        """False the first time a view is asked about `key`: it has not caught up yet."""
        if key in seen_once:
            return True
        seen_once.add(key)
        return False

    @app.middleware("http")
    async def contract(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.url.path != "/ready" and "authorization" not in request.headers:
            return problem(401, "no token")
        if request.method == "POST" and "idempotency-key" not in request.headers:
            return problem(400, "no Idempotency-Key")
        calls[f"{request.method} {request.url.path.split('/')[1]}"] += 1
        return await call_next(request)

    def page(items: list[Json], request: Request) -> Json:
        start = int(request.query_params.get("cursor", 0))
        rest = items[start : start + PAGE]
        return {"items": rest, "next": str(start + PAGE) if start + PAGE < len(items) else None}

    def step(dossier: Json, status: str) -> None:
        dossier["status"] = status
        dossier["steps"].append({"sop_step": len(dossier["steps"]) + 1, "event": status})

    @app.get("/ready")
    async def ready() -> Json:
        return {"status": "ready"}

    @app.post("/dossiers", status_code=201, response_model=None)
    async def register(body: Json) -> Json | JSONResponse:
        number = body["document_number"]
        if number not in registry:
            return JSONResponse({"detail": "not in the registry", "errors": []}, 422)
        if any(d["document_number"] == number for d in dossiers.values()):
            return problem(409, "already in flight")
        dossier_id = str(uuid.uuid4())
        dossiers[dossier_id] = {**body, "dossier_id": dossier_id, "steps": []}
        step(dossiers[dossier_id], "REGISTERED" if registry[number] else "FLAGGED")
        return {"dossier_id": dossier_id, "status": dossiers[dossier_id]["status"]}

    @app.get("/dossiers")
    async def list_dossiers(request: Request, status: str, document_type: str) -> Json:
        found = [
            {"dossier_id": d["dossier_id"], "status": d["status"]}
            for d in dossiers.values()
            if d["status"] == status and d["document_type"] == document_type
        ]
        return page(found if lagging(f"list-{document_type}") else [], request)

    @app.post("/dossiers/{dossier_id}/flags")
    async def flag(dossier_id: str, body: Json) -> Json:
        step(dossiers[dossier_id], "FLAGGED")
        return {"dossier_id": dossier_id, "status": "FLAGGED"}

    @app.post("/dossiers/{dossier_id}/flags/resolve")
    async def resolve(dossier_id: str, body: Json) -> Json:
        step(dossiers[dossier_id], "REGISTERED")
        return {"dossier_id": dossier_id, "status": "REGISTERED"}

    @app.post("/dossiers/{dossier_id}/corrections", status_code=201)
    async def correct(dossier_id: str, body: Json) -> Json:
        step(dossiers[dossier_id], "REGISTERED")
        fields = [name for name in ("name", "address", "phone") if name in body]
        return {"dossier_id": dossier_id, "status": "REGISTERED", "fields": fields}

    @app.post("/recaps", status_code=201, response_model=None)
    async def compile_recap(body: Json) -> Json | JSONResponse:
        kind = body["document_type"]
        ids = [
            i
            for i, d in dossiers.items()
            if d["status"] == "REGISTERED" and d["document_type"] == kind
        ]
        if not ids:
            return problem(409, "nothing to recap")
        for i in ids:
            step(dossiers[i], "RECAPPED")
        recap = {"recap_id": str(uuid.uuid4()), "document_type": kind, "dossier_ids": ids}
        recaps[recap["recap_id"]] = {**recap, "letter": None}
        return recap

    @app.get("/recaps")
    async def awaiting_letter(request: Request, status: str) -> Json:
        found = [
            {"recap_id": r["recap_id"]}
            for r in recaps.values()
            if r["letter"] is None and lagging(f"recap-{r['recap_id']}")
        ]
        return page(found, request)

    @app.post("/letters", status_code=201, response_model=None)
    async def draft(body: Json) -> Json | JSONResponse:
        recap = recaps[body["recap_id"]]
        if recap["letter"] is not None:
            return problem(409, "this recap has a letter")
        letter_id = str(uuid.uuid4())
        number = f"470/Dukcapil-PDIP/{len(letters) + 1:04d}/2026"
        letters[letter_id] = {
            "letter_id": letter_id,
            "letter_number": number,
            "recap_id": recap["recap_id"],
            "status": "AWAITING_SIGNATURE",
        }
        recap["letter"] = letter_id
        return letters[letter_id]

    @app.post("/letters/{letter_id}/{decision}")
    async def decide(letter_id: str, decision: str) -> Json:
        letter = letters[letter_id]
        letter["status"] = "SIGNED" if decision == "sign" else "REJECTED"
        if decision == "reject":
            recaps[letter["recap_id"]]["letter"] = None
        return letter

    def documents(letter: Json) -> list[Json]:
        fields = ("dossier_id", "name", "address", "phone", "document_type", "document_number")
        ids = recaps[letter["recap_id"]]["dossier_ids"]
        return [{f: dossiers[i][f] for f in fields} for i in ids]

    @app.get("/handovers")
    async def handovers(request: Request, status: str) -> Json:
        ready = [
            {**letter, "documents": documents(letter)}
            for letter in letters.values()
            if letter["status"] == "SIGNED" and lagging(f"handover-{letter['letter_id']}")
        ]
        return page(ready, request)

    @app.post("/handovers/{letter_id}/accept")
    async def accept(letter_id: str) -> Json:
        letters[letter_id]["status"] = "ACCEPTED"
        for document in documents(letters[letter_id]):
            step(dossiers[document["dossier_id"]], "WITH_COURIER")
        return {"letter_id": letter_id}

    @app.post("/deliveries/{dossier_id}/out-for-delivery", response_model=None)
    async def out_for_delivery(dossier_id: str) -> Json | JSONResponse:
        if dossiers[dossier_id]["status"] != "WITH_COURIER":
            return problem(409, "not with the courier")
        return {"dossier_id": dossier_id, "code_sent": True}

    @app.post("/deliveries/{dossier_id}/attempts", status_code=201, response_model=None)
    async def attempt(dossier_id: str, body: Json) -> Json | JSONResponse:
        if dossiers[dossier_id]["status"] != "WITH_COURIER":
            return problem(409, "not with the courier")
        attempts[dossier_id] = attempts.get(dossier_id, 0) + 1
        return {"dossier_id": dossier_id, "attempt": attempts[dossier_id]}

    @app.post("/deliveries/{dossier_id}/{outcome}", response_model=None)
    async def at_the_door(dossier_id: str, outcome: str, request: Request) -> Json | JSONResponse:
        if dossiers[dossier_id]["status"] != "WITH_COURIER":
            return problem(409, "not with the courier")
        if outcome == "delivered":
            form = await request.form()  # without the receipt code: a photo as proof
            if "photo" not in form or not form.get("recipient_name"):
                return problem(422, "a delivery without the code needs a photo")
        step(dossiers[dossier_id], "DELIVERED" if outcome == "delivered" else "RETURNED")
        return {"dossier_id": dossier_id}

    @app.post("/returns/{dossier_id}/receive")
    async def receive(dossier_id: str) -> Json:
        step(dossiers[dossier_id], "RECEIVED_BACK")
        return {"dossier_id": dossier_id}

    @app.get("/reports/deliveries")
    async def report() -> Json:
        by_type: dict[str, Counter[str]] = {}
        for d in dossiers.values():
            counts = by_type.setdefault(d["document_type"], Counter())
            counts["registered"] += 1
            counts[
                {
                    "DELIVERED": "delivered",
                    "RETURNED": "returned",
                    "RECEIVED_BACK": "received_back",
                }.get(d["status"], "in_progress")
            ] += 1
        totals = sum(by_type.values(), Counter())
        return {
            "by_document_type": {k: dict(v) for k, v in by_type.items()},
            "totals": dict(totals),
        }

    @app.get("/control-cards/{dossier_id}")
    async def control_card(dossier_id: str) -> Json:
        d = dossiers[dossier_id]
        steps = [
            {
                **s,
                "role": "FO",
                "officer_id": "1",
                "officer_name": "Siti",
                "at": "2026-11-24T02:00:00+00:00",
                "elapsed_seconds": 42,
                "standard_seconds": 60,
                "late": False,
            }
            for s in d["steps"]
        ]
        return {
            "dossier_id": dossier_id,
            "document_type": d["document_type"],
            "document_number": d["document_number"],
            "status": d["status"],
            "steps": steps,
        }

    return app
