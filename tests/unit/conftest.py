"""What the unit tests share: the empty read-model database the services composed on memory
start from (tests/unit/memory_context.py), made once a session."""

from pathlib import Path

import pytest

from tests.unit.memory_context import empty_database


@pytest.fixture(scope="session")
def empty_read_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_database(tmp_path_factory.mktemp("read-model"))
