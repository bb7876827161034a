"""`/docs` and `/redoc` work on an office network without internet: the pages name no
http(s) address outside the service, and every file they load the service serves itself."""

import importlib
import re

import pytest

from tests.conftest import running

SERVICES = ["intake", "approval", "courier", "reporting"]
ABSOLUTE = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")
LOADED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
BASE = "http://testserver"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_api_docs_load_nothing_from_outside_the_service(
    service: str, page: str, service_env: dict[str, str]
) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    async with running(app) as client:
        answer = await client.get(page)
        assert answer.status_code == 200
        html = answer.text

        outside = [url for url in ABSOLUTE.findall(html) if not url.startswith(BASE)]
        assert outside == []
        loaded = LOADED.findall(html)
        assert any(path.endswith(".js") for path in loaded)
        for path in loaded:
            assert path.startswith("/"), path
            served = await client.get(path)
            assert served.status_code == 200, path
            assert len(served.content) > 0
        assert "/openapi.json" in html
