"""The office a command acts for: `--office X`, one of those the installation serves."""

import typer

from shared.settings import CommonSettings


def served_office(settings: CommonSettings, office: str | None) -> str:
    """The office named (it must be served), else the installation's default office."""
    if office is None:
        return settings.default_office()
    served = settings.served_offices()
    if office not in served:
        raise typer.BadParameter(
            f"this installation serves office {', '.join(served)}, not {office}",
            param_hint="--office",
        )
    return office
