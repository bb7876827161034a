"""deploy/ names only what the code knows: every service, port, environment variable and
command in the compose file, the image and the Kubernetes manifests exists in the settings
and the `jasa` tool, and the production redis.conf is durable and accepted by Redis."""

import importlib
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from services.cli import app as jasa
from shared.local_cluster import cluster_bus
from shared.redis_server import free_port
from shared.settings import SERVICE_PORTS, CommonSettings, ServiceSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICES = set(SERVICE_PORTS)
DEFAULT_PORTS = {
    name: CommonSettings().model_fields["port_base"].default + n
    for name, n in SERVICE_PORTS.items()
}


def environment_names(settings: type[BaseSettings]) -> set[str]:
    names: set[str] = set()
    for field in settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
    return names


def settings_of(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.config")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    )


KNOWN = {service: environment_names(settings_of(service)) for service in SERVICES}


def assert_a_jasa_command(words: list[str]) -> None:
    """`words` (after `jasa`) is a registered command given only options it has."""
    group = typer.main.get_command(jasa)
    command = group.commands.get(words[0])  # type: ignore[attr-defined]
    assert command is not None, f"`jasa {words[0]}` is not a command"
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for word in words[1:]:
        if word.startswith("--"):
            assert word in options, f"`jasa {words[0]}` has no option {word}"


def assert_runs_the_service(words: list[str], service: str) -> None:
    assert_a_jasa_command(words)
    assert words[:2] == ["serve", service], words


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


# --- compose ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_the_four_services_from_the_one_image(compose: dict[str, Any]) -> None:
    jasa_services = {
        name: spec
        for name, spec in compose["services"].items()
        if spec.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }
    assert set(jasa_services) == SERVICES
    for name, spec in jasa_services.items():
        assert_runs_the_service(spec["command"], name)
        port = DEFAULT_PORTS[name]
        assert spec["ports"] == [f"{port}:{port}"]
        assert f"127.0.0.1:{port}/health" in " ".join(spec["healthcheck"]["test"])


def test_compose_sets_only_settings_the_services_read(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= KNOWN[name], set(environment) - KNOWN[name]
        assert {"REDIS_URL", "JASA_SECRET", "JASA_PII_KEY", "JASA_OFFICE", "JASA_ENV"} <= set(
            environment
        )
        assert environment["JASA_ENV"] == "production"
        if name == "reporting":  # production refuses to start it without its signing key
            assert "JASA_AUDIT_SIGNING_KEY" in environment
        databases = [key for key in environment if key.endswith("DATABASE_URL")]
        assert databases == [f"{name.upper()}_DATABASE_URL"]
        assert "@postgres:5432/" in environment[databases[0]]
        assert "@redis:6379/" in environment["REDIS_URL"]


def test_compose_redis_is_durable_and_postgres_is_there(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in redis["volumes"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert "/usr/local/etc/redis/redis.conf" in " ".join(redis["command"])
    assert "healthcheck" in redis
    assert "postgres" in compose["services"]
    assert set(compose["volumes"]) == {"redis-data", "postgres-data"}


def redis_7() -> str | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"v=(\d+)\.", version)
    return binary if found and int(found.group(1)) >= 7 else None


# --- compose on a Redis Cluster ---------------------------------------------------------


@pytest.fixture(scope="module")
def cluster_compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.cluster.yaml").read_text())


def redis_nodes(compose: dict[str, Any]) -> dict[str, Any]:
    return {
        name: spec for name, spec in compose["services"].items() if re.fullmatch(r"redis-\d", name)
    }


def test_the_cluster_compose_runs_the_four_services_on_six_durable_redis_nodes(
    cluster_compose: dict[str, Any],
) -> None:
    nodes = redis_nodes(cluster_compose)
    assert len(nodes) == 6
    for name, node in nodes.items():
        command = " ".join(node["command"])
        assert "/usr/local/etc/redis/redis.conf" in command and "--cluster-enabled yes" in command
        assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in node["volumes"]
        assert f"{name}-data:/data" in node["volumes"]
        assert node["environment"]["NODE_NAME"] == name
    create = " ".join(cluster_compose["services"]["redis-cluster-create"]["command"])
    assert "--cluster create" in create and "--cluster-replicas 1" in create
    for name in SERVICES:
        spec = cluster_compose["services"][name]
        assert_runs_the_service(spec["command"], name)
        environment = spec["environment"]
        assert set(environment) <= KNOWN[name], set(environment) - KNOWN[name]
        assert environment["JASA_REDIS_CLUSTER"] == "true"
        assert environment["JASA_REDIS_REPLICAS_ACK"] == "1"
        assert "@redis-1:6379/" in environment["REDIS_URL"]
        assert spec["depends_on"]["redis-cluster-create"] == {
            "condition": "service_completed_successfully"
        }


@pytest.mark.skipif(redis_7() is None, reason="needs a redis-server 7 on PATH")
def test_a_cluster_node_starts_with_the_production_conf_and_the_compose_options(
    tmp_path: Path, cluster_compose: dict[str, Any]
) -> None:
    import redis

    conf = tmp_path / "redis.conf"
    conf.write_text((DEPLOY / "redis.conf").read_text().replace("dir /data", f"dir {tmp_path}"))
    node = cluster_compose["services"]["redis-1"]["command"][2]
    options = (
        node.split("redis.conf", 1)[1]
        .replace('"$$REDIS_PASSWORD"', "test")
        .replace('"$$NODE_NAME"', "redis-1")
        .replace("/data/nodes.conf", str(tmp_path / "nodes.conf"))
        .split()
    )
    port = free_port()
    where = ["--port", str(port), "--bind", "127.0.0.1", *cluster_bus()]
    server = subprocess.Popen(
        [str(redis_7()), str(conf), *options, *where], stdout=subprocess.DEVNULL
    )
    try:
        client = redis.Redis(port=port, password="test", retry_on_timeout=False)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        assert client.info("cluster")["cluster_enabled"] == 1
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("cluster-announce-hostname") == {
            "cluster-announce-hostname": "redis-1"
        }
    finally:
        server.terminate()
        server.wait(10)


# --- the image -------------------------------------------------------------------------


def test_the_image_runs_jasa_and_exposes_the_service_ports() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert 'ENTRYPOINT ["jasa"]' in dockerfile
    command = re.search(r"^CMD (\[.*\])", dockerfile, re.M)
    assert command is not None
    assert_a_jasa_command(yaml.safe_load(command.group(1)))
    exposed = re.search(r"^EXPOSE (.*)$", dockerfile, re.M)
    assert exposed is not None
    assert {int(port) for port in exposed.group(1).split()} == set(DEFAULT_PORTS.values())
    for name in re.findall(r"\b(JASA_[A-Z_]+)=", dockerfile):
        assert name in environment_names(CommonSettings), name


def test_the_image_installs_what_the_lock_pins() -> None:
    """The image runs the versions `make test` passed with: uv at tools/uv.txt's hashes, and
    the project from uv.lock, refusing a lock that no longer matches pyproject.toml."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY tools/uv.txt" in dockerfile
    assert "pip install --require-hashes -r /tmp/uv.txt" in dockerfile
    assert re.search(r"^COPY pyproject\.toml uv\.lock ", dockerfile, re.M)
    install = re.search(r"uv sync (.*(?:\\\n.*)*)", dockerfile)
    assert install is not None
    options = install.group(1).split()
    assert {"--locked", "--no-editable"} <= set(options)
    assert "--all-extras" not in options and "--extra" not in options  # no test tools
    assert not re.search(r"pip install (?!--require-hashes)", dockerfile)


# --- Kubernetes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        documents += load_all(DEPLOY / "k8s" / resource)
    return documents


def of_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests if doc["kind"] == kind}


def test_kubernetes_deploys_the_four_services_with_health_probes(
    manifests: list[dict[str, Any]],
) -> None:
    deployments, services = of_kind(manifests, "Deployment"), of_kind(manifests, "Service")
    assert set(deployments) == SERVICES
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert_runs_the_service(container["args"], name)
        (port,) = container["ports"]
        assert port["containerPort"] == DEFAULT_PORTS[name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        (service_port,) = services[name]["spec"]["ports"]
        assert service_port["port"] == DEFAULT_PORTS[name]


def test_kubernetes_sets_only_settings_the_services_read(
    manifests: list[dict[str, Any]],
) -> None:
    config = of_kind(manifests, "ConfigMap")["jasa-config"]["data"]
    secret = of_kind(manifests, "Secret")["jasa-secrets"]["stringData"]
    for name, deployment in of_kind(manifests, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == ["jasa-config"]
        names = {variable["name"] for variable in container["env"]} | set(config)
        assert names <= KNOWN[name], names - KNOWN[name]
        assert {"REDIS_URL", "JASA_SECRET", "JASA_PII_KEY", f"{name.upper()}_DATABASE_URL"} <= names
        if name == "reporting":
            assert "JASA_AUDIT_SIGNING_KEY" in names
        for variable in container["env"]:
            assert variable["valueFrom"]["secretKeyRef"]["key"] in secret
    used_by_redis = {"REDIS_PASSWORD"}
    assert set(secret) <= set().union(*KNOWN.values()) | used_by_redis
    assert "@redis:6379/" in secret["REDIS_URL"]


def test_kubernetes_redis_keeps_its_data_on_a_volume_with_the_shipped_config(
    manifests: list[dict[str, Any]],
) -> None:
    redis = of_kind(manifests, "StatefulSet")["redis"]
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    (container,) = redis["spec"]["template"]["spec"]["containers"]
    assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]
    assert "redis" in of_kind(manifests, "Service")
    shipped = of_kind(manifests, "ConfigMap")["redis-config"]["data"]["redis.conf"]
    assert shipped == (DEPLOY / "redis.conf").read_text()


# --- redis.conf ------------------------------------------------------------------------


def redis_conf() -> dict[str, str]:
    settings = {}
    for line in (DEPLOY / "redis.conf").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            settings[key] = value.strip()
    return settings


def test_the_production_redis_conf_is_durable_and_never_evicts() -> None:
    conf = redis_conf()
    assert conf["appendonly"] == "yes"
    assert conf["appendfsync"] in {"always", "everysec"}
    assert conf["maxmemory-policy"] == "noeviction"
    assert conf["protected-mode"] == "yes"
    assert conf["dir"] == "/data"


@pytest.mark.skipif(redis_7() is None, reason="needs a redis-server 7 on PATH")
def test_redis_7_starts_with_the_production_conf(tmp_path: Path) -> None:
    import redis

    conf = tmp_path / "redis.conf"
    conf.write_text((DEPLOY / "redis.conf").read_text().replace("dir /data", f"dir {tmp_path}"))
    port = free_port()
    server = subprocess.Popen(
        [
            str(redis_7()),
            str(conf),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            "test",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, password="test", retry_on_timeout=False)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    finally:
        server.terminate()
        server.wait(10)
