"""Webhooks are safe to point anywhere: in production an endpoint must be https and every
address its name resolves to public, checked again at each send (a name that resolves to
the loopback is refused before any connection), and the call goes to the address checked."""

from pathlib import Path

import httpx
import pytest

from shared.webhooks.sender import Sender
from shared.webhooks.targets import TargetPolicy, UnsafeTarget, checked_target
from tests.webhook_receiver import Receiver, stopped_at_the_end

PRODUCTION = TargetPolicy.for_environment("production", allow_private=True)


def test_production_never_allows_private_targets_whatever_the_setting() -> None:
    assert PRODUCTION == TargetPolicy(require_https=True, public_only=True)
    assert TargetPolicy.for_environment("development", allow_private=False).public_only
    assert not TargetPolicy.for_environment("development", allow_private=True).public_only


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/hook", "https"),
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data/", "not a public address"),
        ("https://[fd00:ec2::254]/", "not a public address"),  # another cloud's metadata
        ("https://100.100.100.200/", "not a public address"),
        ("https://192.168.1.10/", "not a public address"),
        ("https://[::ffff:10.0.0.1]/", "not a public address"),
        ("https://localhost/hook", "not a public address"),
        ("https://user:pw@example.org/hook", "user name or password"),
        ("ftp://example.org/hook", "http(s)"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
async def test_an_unsafe_target_is_refused_in_production(url: str, why: str) -> None:
    with pytest.raises(UnsafeTarget, match=why.replace("(", r"\(").replace(")", r"\)")):
        await checked_target(url, PRODUCTION)


async def test_a_public_address_is_called_as_checked_with_its_name_kept() -> None:
    target = await checked_target("https://93.184.215.14:8443/hook?x=1", PRODUCTION)
    assert str(target.url) == "https://93.184.215.14:8443/hook?x=1"
    assert target.host_header == "93.184.215.14:8443"


async def test_each_send_checks_again_and_a_refused_target_is_never_connected_to(
    tmp_path: Path,
) -> None:
    with stopped_at_the_end(Receiver(tmp_path / "receiver")) as receiver:
        receiver.start("whsec_" + "A" * 43 + "=")
        async with httpx.AsyncClient() as client:
            # The same receiver, named as production would have it: refused before connecting.
            named = receiver.url.replace("http://127.0.0.1", "https://localhost")
            refused = await Sender(client, PRODUCTION).send(named, "msg_1", b"{}", ["whsec_QUFB"])
            allowed = TargetPolicy.for_environment("development", allow_private=True)
            sent = await Sender(client, allowed).send(receiver.url, "msg_2", b"{}", ["whsec_QUFB"])
    assert refused.status is None and refused.error.startswith("refused:")
    assert "not a public address" in refused.error
    assert [call.headers["webhook-id"] for call in receiver.calls] == ["msg_2"]
    assert sent.status == 400  # the receiver's secret is another: it refused the signature
