"""Settings, .env.example and docker-compose.yml agree on one set of names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[3]


def _setting_env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(field.alias if field.alias else f"LICITAGRAPH_{name.upper()}")
    return names


def test_env_example_names_are_settings() -> None:
    text = (REPO / ".env.example").read_text()
    names = set(re.findall(r"^#?\s*(LICITAGRAPH_[A-Z0-9_]+)=", text, flags=re.M))
    known = _setting_env_names()
    assert names - known == set(), f"unknown names in .env.example: {sorted(names - known)}"
    # and every setting is documented
    assert known - names == set(), f"settings missing from .env.example: {sorted(known - names)}"


def test_compose_services_and_setting_names() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    for required in ("neo4j", "redis", "spark-master", "spark-worker", "api", "worker", "beat", "mailpit"):
        assert required in services, required
    assert services["neo4j"]["image"].startswith("neo4j:5.26")
    assert "graph-data-science" in services["neo4j"]["environment"]["NEO4J_PLUGINS"]
    assert "apoc" in services["neo4j"]["environment"]["NEO4J_PLUGINS"]
    known = _setting_env_names()
    for name in ("api", "worker", "beat"):
        env = services[name]["environment"]
        unknown = {k for k in env if k.startswith("LICITAGRAPH_")} - known
        assert unknown == set(), f"{name}: unknown settings {sorted(unknown)}"
        assert env["LICITAGRAPH_ENVIRONMENT"] == "production"
    assert services["worker"]["command"] == ["licitagraph", "worker"]
    assert services["beat"]["command"] == ["licitagraph", "beat"]


def test_compose_env_is_read_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICITAGRAPH_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("LICITAGRAPH_NEO4J_URI", "bolt://neo4j:7687")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.redis_url == "redis://redis:6379/0"
    assert s.bolt_uri == "bolt://neo4j:7687"


def test_production_refuses_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LICITAGRAPH_NEO4J_PASSWORD", "LICITAGRAPH_API_ADMIN_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises((SettingsError, ValueError), match="LICITAGRAPH_NEO4J_PASSWORD"):
        Settings(environment="production", _env_file=None)  # type: ignore[call-arg]


def test_local_has_demo_secrets_and_relative_var_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LICITAGRAPH_NEO4J_PASSWORD", raising=False)
    s = Settings(environment="local", var_dir=Path("var/x"), _env_file=None)  # type: ignore[call-arg]
    assert s.neo4j_secret  # the demo works on a fresh clone
    assert s.var_dir == (REPO / "var" / "x").resolve()
