"""The use cases' loading of aggregates, on the log facade over the in-memory event store:
the same EventLog the services use, with no Redis behind it. The command handlers
themselves are tested on the whole services composed on memory
(tests/unit/memory_context.py; test_intake_, test_approval_ and
test_courier_commands_on_memory.py)."""

import uuid

import pytest

from services.approval.commands import load_letter
from services.intake.commands import load_dossier
from services.intake.domain import recap_book_stream
from shared.aggregate import load_aggregates
from shared.errors import NotFound
from shared.events import Envelope, with_fields
from shared.keys import Keys
from shared.log import ConcurrencyConflict, EventLog
from shared.stores.memory import InMemoryEventStore
from shared.vocabulary import DocumentType, FlagReason
from tests.approval_support import recap_compiled
from tests.factories import flagged, registered


@pytest.fixture
def log() -> EventLog:
    return EventLog(InMemoryEventStore(), Keys("1471"))


def in_recap_book(recap: Envelope) -> Envelope:
    return with_fields(recap, stream_id=recap_book_stream(DocumentType.KTP_EL))


async def test_a_flagged_dossier_loads_flagged_at_the_version_its_next_event_expects(
    log: EventLog,
) -> None:
    event = registered()
    dossier_id = event.data.dossier_id  # type: ignore[attr-defined]
    await log.append(event.stream_id, [event], expected_version=0)
    await log.append(event.stream_id, [flagged(dossier_id)], expected_version=1)
    now = await load_dossier(log, dossier_id)
    assert now.state.flagged and now.state.flag_reason == FlagReason.DATA_ENTRY_ERROR
    assert (now.version, now.in_recap, now.book_version) == (2, False, 0)


async def test_a_dossier_in_a_compiled_recap_is_known_to_be_in_it(log: EventLog) -> None:
    event = registered()
    dossier_id = event.data.dossier_id  # type: ignore[attr-defined]
    await log.append(event.stream_id, [event], expected_version=0)
    recap = in_recap_book(recap_compiled([dossier_id]))
    await log.append(recap.stream_id, [recap], expected_version=0)
    now = await load_dossier(log, dossier_id)
    assert (now.in_recap, now.book_version) == (True, 1)


async def test_a_dossier_never_registered_here_is_not_found(log: EventLog) -> None:
    with pytest.raises(NotFound):
        await load_dossier(log, uuid.uuid4())


async def test_a_letter_never_drafted_here_is_not_found(log: EventLog) -> None:
    with pytest.raises(NotFound):
        await load_letter(log, uuid.uuid4())


async def test_a_decision_on_a_dossier_that_moved_meanwhile_is_a_conflict(log: EventLog) -> None:
    event = registered()
    dossier_id = event.data.dossier_id  # type: ignore[attr-defined]
    await log.append(event.stream_id, [event], expected_version=0)
    seen = await load_dossier(log, dossier_id)
    await log.append(event.stream_id, [flagged(dossier_id)], expected_version=seen.version)
    with pytest.raises(ConcurrencyConflict):
        await log.append(event.stream_id, [flagged(dossier_id)], expected_version=seen.version)
    assert (await load_dossier(log, dossier_id)).version == 2


async def test_many_aggregates_load_at_once_in_the_order_asked(log: EventLog) -> None:
    first, second = registered(), registered()
    for event in (first, second):
        await log.append(event.stream_id, [event], expected_version=0)
    loaded = await load_aggregates(
        log, [second.stream_id, "dossier-none", first.stream_id], lambda n, _: n + 1, 0
    )
    assert loaded == [(1, 1), (0, 0), (1, 1)]
