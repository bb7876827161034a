"""`jasa ... --help` reads well in an 80-column terminal: flags show no `<bool>`, and a
group lists each of its commands with a whole sentence, never one cut off mid-way."""

from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from services.cli import app


def command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            paths += command_paths(sub, (*path, name))
    return paths


def is_group(path: tuple[str, ...]) -> bool:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return isinstance(command, TyperGroup)


PATHS = command_paths(typer.main.get_command(app))


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(("jasa", *path)))
def test_help_shows_flags_plainly_within_80_columns(path: tuple[str, ...]) -> None:
    text = help_of(path)

    assert "--help" in text
    assert "<bool>" not in text
    assert [line for line in text.splitlines() if len(line) > 80] == []


@pytest.mark.parametrize(
    "path", [p for p in PATHS if is_group(p)], ids=lambda path: " ".join(("jasa", *path))
)
def test_a_group_describes_each_command_in_a_whole_sentence(path: tuple[str, ...]) -> None:
    text = help_of(path)
    listed = text.split("Commands:", 1)[1].strip().splitlines()

    assert listed
    for line in listed:
        assert line.endswith(".") and not line.endswith("..."), line
