"""The base of every request body: a field the contract does not know is a 422 that names it,
never silently dropped (a misspelt `note` would otherwise vanish without a word)."""

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
