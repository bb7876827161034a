"""A route's answer serialised once: FastAPI would validate a returned model against the
`response_model` again before dumping it; a model the route built is valid already. The
route keeps its `response_model` for OpenAPI."""

from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
