"""FastAPI dependency aliases every service's routes use."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.context import ServiceContext
from shared.errors import Forbidden, Unauthorized
from shared.identity import Officer
from shared.log import EventLog
from shared.vocabulary import Role

_bearer = HTTPBearer(auto_error=False, description="a token from `jasa token ROLE ...`")


# Dependencies are `async def` although they never await: FastAPI runs a plain `def`
# dependency in a worker thread, a thread hop per request for a dictionary lookup.


async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[AsyncSession]:
    async with context.sessions() as session:
        yield session


# Closed before the answer is sent (scope="function"): the connection goes back to the pool
# sooner, and a failure to close it is the answer (503) rather than an error raised after
# it, on which uvicorn would drop the client's keep-alive connection and the request on it.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def current_officer(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Officer:
    if credentials is None:
        raise Unauthorized("no token: send `Authorization: Bearer <token>`")
    return context.officer(credentials.credentials)


CurrentOfficer = Annotated[Officer, Depends(current_officer)]


async def get_log(context: ContextDep, officer: CurrentOfficer) -> EventLog:
    """The log of the caller's office: never another office's."""
    return context.log_for(officer.office)


LogDep = Annotated[EventLog, Depends(get_log)]


def requires(*roles: Role) -> Callable[[Officer], Awaitable[Officer]]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = ", ".join(role.value for role in roles)

    async def check(officer: CurrentOfficer) -> Officer:
        if officer.role not in roles:
            raise Forbidden(f"this step is for {allowed}; your role is {officer.role.value}")
        return officer

    return check
