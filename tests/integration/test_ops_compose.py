"""docker-compose.yml and .env.example: valid for `docker compose`, and to the same standard
as the service (readiness health checks, migrations before the app, settings that exist)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftercare.settings import Settings
from tests.conftest import REPO_ROOT


def compose_client_present() -> bool:
    if shutil.which("docker") is None:
        return False
    found = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return found.returncode == 0


@pytest.mark.skipif(not compose_client_present(),
                    reason="the docker compose client plugin is not installed on this machine "
                           "(`docker compose version` fails); the YAML checks below still run")
def test_docker_compose_config_is_valid(tmp_path: Path) -> None:
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    shutil.copy(REPO_ROOT / ".env.example", tmp_path / ".env")  # a dummy .env
    result = subprocess.run(["docker", "compose", "-f", "docker-compose.yml", "config", "-q"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def services() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]


def test_app_services_wait_for_migrations_and_api_checks_readiness() -> None:
    found = services()
    for name in ("api", "worker", "beat"):
        assert found[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}, name
    assert found["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "/readyz" in " ".join(found["api"]["healthcheck"]["test"])
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in found[name], name


def test_every_setting_named_in_compose_and_env_example_exists() -> None:
    fields = {f"AFTERCARE_{name.upper()}" for name in Settings.model_fields}
    named = set()
    for service in services().values():
        named |= {k for k in service.get("environment", {}) if k.startswith("AFTERCARE_")}
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        key = line.lstrip("# ").split("=", 1)[0]
        if key.startswith("AFTERCARE_") and "=" in line:
            named.add(key)
    assert named and named <= fields, named - fields
