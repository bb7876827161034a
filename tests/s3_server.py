"""A real S3-compatible HTTP server for the photo store's tests: moto's standalone server
run as a separate process, or one the environment names. Each test gets a bucket of its own
and empties and removes only that one."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from shared.redis_server import free_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self) -> Any:
        """A client of the tests' own, to make buckets and look at what the store kept."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(region_name=self.region, s3={"addressing_style": "path"}),
        )

    def environment(self, bucket: str) -> dict[str, str]:
        """The courier's settings for a photo store in `bucket` on this server."""
        return {
            "JASA_PHOTO_STORE": "s3",
            "JASA_PHOTO_S3_ENDPOINT": self.endpoint,
            "JASA_PHOTO_S3_BUCKET": bucket,
            "JASA_PHOTO_S3_REGION": self.region,
            "JASA_PHOTO_S3_ACCESS_KEY": self.access_key,
            "JASA_PHOTO_S3_SECRET_KEY": self.secret_key,
        }


def server_from_environment() -> S3Server | None:
    endpoint = os.environ.get("JASA_TEST_S3_ENDPOINT")
    if not endpoint:
        return None
    return S3Server(
        endpoint,
        os.environ.get("JASA_TEST_S3_ACCESS_KEY", ""),
        os.environ.get("JASA_TEST_S3_SECRET_KEY", ""),
        os.environ.get("JASA_TEST_S3_REGION", "us-east-1"),
    )


@contextlib.contextmanager
def moto_server(folder: Path, timeout: float = 60.0) -> Iterator[S3Server]:
    """moto's S3-compatible server in a process of its own on a free loopback port; its
    request log goes to `folder`/moto.log."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "moto.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, process, timeout)
            yield S3Server(f"http://127.0.0.1:{port}", "jasa-test", "jasa-test-secret")
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto's server exited with {process.returncode} at its start")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"moto's server did not listen on port {port} within {timeout:g} s")


@contextlib.contextmanager
def fresh_bucket(server: S3Server) -> Iterator[str]:
    """A bucket made for one test, emptied and removed after it."""
    client = server.client()
    name = f"jasa-test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    try:
        yield name
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)
        client.close()


def object_names(server: S3Server, bucket: str) -> list[str]:
    client = server.client()
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
    finally:
        client.close()


def object_bytes(server: S3Server, bucket: str, name: str) -> bytes:
    client = server.client()
    try:
        return bytes(client.get_object(Bucket=bucket, Key=name)["Body"].read())
    finally:
        client.close()
