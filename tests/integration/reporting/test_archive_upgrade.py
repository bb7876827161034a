"""A reporting database made before `jasa log archive` gets the archive's new columns, and
each row its stream, when the service (or a command) next opens it."""

from sqlalchemy import text

from services.reporting.archive import add_archive_columns
from shared.db import make_engine

OLD_ARCHIVE = """CREATE TABLE reporting_archive (
    office VARCHAR(8) NOT NULL, seq INTEGER NOT NULL, position VARCHAR(40) NOT NULL,
    event_id VARCHAR(36) NOT NULL, type VARCHAR(40) NOT NULL, chain_hash VARCHAR(64) NOT NULL,
    body VARCHAR NOT NULL, PRIMARY KEY (office, seq), UNIQUE (office, position))"""


async def test_an_archive_made_before_gets_its_new_columns_and_each_row_its_stream(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text(OLD_ARCHIVE))
            await connection.execute(
                text("INSERT INTO reporting_archive VALUES ('1471', 1, '1-0', 'e', "
                     "'FlagResolved', 'h', '{\"stream_id\":\"dossier-1\",\"type\":\"x\"}')")
            )  # fmt: skip

        filled = await add_archive_columns(engine)
        again = await add_archive_columns(engine)

        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT stream_id, stored_event, trimmed_by FROM reporting_archive")
                )
            ).one()
        assert (filled, again) == (1, 0)
        assert tuple(row) == ("dossier-1", None, None)
    finally:
        await engine.dispose()
