"""How every command finds the installation it acts on, the same way for all of them: the
data dir is JASA_DATA_DIR, else ./var; Redis is REDIS_URL, else the private Redis that a
running `jasa up` keeps for that data dir; the signing secret is JASA_SECRET, else the one
`jasa up` made in the data dir.

Nothing found is a sentence that says where the command looked, and exit 2. A command run
from the wrong folder never makes a new installation there (a secret made now would sign
tokens the running system refuses)."""

from pathlib import Path
from typing import NoReturn

import typer

from shared.identity import InsecureSecret, load_or_create_secret
from shared.settings import CommonSettings


def data_dir(settings: CommonSettings) -> Path:
    """The installation's data dir, absolute, so that a message names it unmistakably."""
    return Path(settings.data_dir).resolve()


def where_looked(settings: CommonSettings) -> str:
    """The data dir and why it is that one, for a message that must say where it looked."""
    if "data_dir" in settings.model_fields_set:
        return f"{data_dir(settings)} (JASA_DATA_DIR)"
    return f"{data_dir(settings)} (./var, as JASA_DATA_DIR is not set)"


def refuse(message: str) -> NoReturn:
    typer.echo(f"jasa: {message}", err=True)
    raise typer.Exit(2)


def redis_url(settings: CommonSettings) -> str:
    """REDIS_URL, else the URL of the private Redis a running `jasa up` keeps in the data dir."""
    url = settings.installation_redis_url()
    if url is None:
        refuse(
            "no running installation found: REDIS_URL is not set, and no `jasa up` runs its "
            f"own Redis in {where_looked(settings)}. Run the command where `jasa up` runs, or "
            "set JASA_DATA_DIR (or REDIS_URL) to the installation's"
        )
    return url


def secret(settings: CommonSettings) -> str:
    """The secret the running system signs tokens with: JASA_SECRET, else the data dir's."""
    if settings.secret is not None or settings.env == "production":
        try:
            return load_or_create_secret(settings)  # given: it makes nothing
        except InsecureSecret as error:
            refuse(str(error))
    path = data_dir(settings) / "secret"
    if not path.is_file():
        refuse(
            f"no installation found: there is no secret in {where_looked(settings)}. Run the "
            "command where `jasa up` runs, or set JASA_DATA_DIR (or JASA_SECRET) to the "
            "installation's"
        )
    return path.read_text().strip()
