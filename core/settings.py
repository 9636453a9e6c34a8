"""One settings class for the whole system, read from the environment and an optional `.env`.

Every name is prefixed `LICITAGRAPH_` (see `.env.example`). Secrets have no defaults, except in the
`local` environment, where the local demo uses fixed development values so that `make demo` works on a
fresh clone; `production` refuses to start without them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Development-only secrets, used when LICITAGRAPH_ENVIRONMENT=local and nothing else is set.
_LOCAL_NEO4J_PASSWORD = "licitagraph-local"
_LOCAL_ADMIN_API_KEY = "lg-local-admin-key"


class SettingsError(RuntimeError):
    """A setting is missing or inconsistent; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LICITAGRAPH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Literal["local", "production"] = "local"
    log_level: str = "INFO"

    # Where runtime state lives: the local Neo4j and Redis, the mail sink, data and models.
    var_dir: Path = REPO_ROOT / "var"

    # Neo4j
    neo4j_uri: str | None = None
    neo4j_bolt_host: str = "127.0.0.1"
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_version: str = "5.26.19"
    apoc_version: str = "5.26.19"
    gds_version: str = "2.13.9"
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "512m"
    neo4j_start_timeout_s: float = 180.0
    # `licitagraph load --method auto`: a first load of at least this many rows into an empty database of
    # the locally managed server goes through neo4j-admin import (graph/first_load.py)
    neo4j_admin_import_min_rows: int = Field(default=1_000_000, ge=0)

    # Redis
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 0
    redis_url_override: str | None = Field(default=None, alias="LICITAGRAPH_REDIS_URL")

    # SMTP: the local sink in the demo and tests, any server in production
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_s: float = 30.0
    mail_from: str = "licitagraph <alertas@licitagraph.local>"

    # graph engine of `licitagraph detect` when --engine is not given (detectors/graph_engines.py)
    detect_engine: Literal["networkx", "graphframes", "gds"] = "networkx"

    # Spark (etl/spark.py builds every session from these; docs/spark-cluster.md)
    # where the driver sends work: local[N] (in-process), or a standalone master such as the local cluster of
    # `licitagraph services up --spark`: spark://127.0.0.1:7077 (see spark_cluster_url)
    spark_master: str = "local[2]"
    spark_driver_memory: str = "4g"
    spark_packages: str = ""
    spark_shuffle_partitions: int = 8
    # log4j2 file for the driver JVM's logging; empty: etl/log4j2.properties (quiet start-up and codegen notes)
    spark_log_config: str = ""
    # the Python interpreter the executors start, as a path valid on the workers (same minor version and
    # packages as the driver's); empty: the driver's own interpreter (right for local mode and for workers on
    # this machine or in the same image)
    spark_python: str = ""
    # each executor's heap and cores on a cluster (ignored in local mode, where the driver runs the tasks)
    spark_executor_memory: str = Field(default="1g", pattern=r"^\d+[kmgtKMGT]?$")
    spark_executor_cores: int = Field(default=1, ge=1)
    # the address executors use to reach the driver; empty: 127.0.0.1 for a master on loopback, else the
    # host's name (set it in a container: the service's name on the network)
    spark_driver_host: str = ""
    # the local standalone cluster (`licitagraph services up --spark`, services/spark_cluster.py): a master
    # and `spark_workers` workers, each offering `spark_worker_cores` cores and `spark_worker_memory` to
    # executors; worker i (from 1) serves its web UI on spark_worker_webui_port + i - 1
    spark_master_host: str = "127.0.0.1"
    spark_master_port: int = 7077
    spark_master_webui_port: int = 8080
    spark_workers: int = Field(default=2, ge=1)
    spark_worker_cores: int = Field(default=1, ge=1)
    spark_worker_memory: str = Field(default="2g", pattern=r"^\d+[kmgtKMGT]?$")
    spark_worker_webui_port: int = 8081
    # heap of the master and worker daemons themselves (executors get spark_executor_memory)
    spark_daemon_memory: str = Field(default="512m", pattern=r"^\d+[kmgtKMGT]?$")
    spark_start_timeout_s: float = Field(default=120.0, gt=0)
    # graph-table versions (Delta Lake, docs/graph-tables.md#versions): every version that was current at
    # some moment of the last N days stays readable (`--as-of`); older ones are vacuumed after each ETL run
    # and by `licitagraph tables vacuum`
    tables_retention_days: float = Field(default=365.0, ge=0)

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_public_url: str = "http://127.0.0.1:8000"
    api_admin_key: SecretStr | None = None
    # secret mixed into the hashes of API keys at rest; defaults to the admin key (set it separately so that
    # rotating the admin key does not invalidate every other key)
    api_key_secret: SecretStr | None = None
    api_rate_limit_per_minute: int = 600
    api_cors_origins: list[str] = Field(default_factory=list)
    # e-mail domains an investigator may subscribe to alerts (subdomains included); admins may subscribe any
    api_alert_email_domains: list[str] = Field(default_factory=lambda: ["go.gov.br"])
    # read cache (api/cache.py): answers kept until the graph's data version changes; 0 turns it off
    api_cache_ttl_s: float = Field(default=300.0, ge=0)
    api_cache_check_s: float = Field(default=1.0, ge=0)
    api_cache_max_entries: int = Field(default=4096, ge=1)
    # how long a signed console link in an alert email stays valid (reporting/links.py); default 7 days
    console_link_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    # Swagger UI and ReDoc files for /docs and /redoc, served by the API itself (no CDN); filled by
    # `licitagraph services install` (services/web_assets.py); relative paths are taken from the repository root
    web_assets_dir: Path = REPO_ROOT / ".cache" / "web"
    bloom_url: str = "http://127.0.0.1:7474/browser/"

    # The review queue (core/review.py): 0 orders unreviewed findings by risk alone, 1 by what a verdict
    # would teach the model alone (its uncertainty)
    review_queue_mix: float = Field(default=0.5, ge=0.0, le=1.0)
    # Risk weights from verdicts (detectors/weights.py): labelled subjects needed before the hand-set priors
    # give way to a fit, and how many pseudo-verdicts each prior is worth
    risk_weights_min_verdicts: int = Field(default=30, ge=2)
    risk_weights_prior_strength: float = Field(default=10.0, ge=0.0)
    # local auctions labelled by verdicts at which the screens model's refit weighs them as much as all the
    # labelled markets together (pipeline/learn.py)
    screens_model_prior_tenders: float = Field(default=50.0, gt=0.0)
    # a confirmed verdict starts a detect + alerts run, so the other tenders of the cartel's firms alert
    verdict_confirm_starts_run: bool = True

    # Celery: how long a task taken by a worker that died stays invisible before Redis redelivers it
    celery_visibility_timeout_s: int = 3600

    # Pipeline schedule (Celery beat), cron fields in the local timezone
    pipeline_schedule_hour: int = 3
    pipeline_schedule_minute: int = 0
    timezone: str = "America/Sao_Paulo"

    # Harvest (harvest/, docs/harvest.md): the public sources fetched into `<var>/data/sources`, the folder
    # the ETL reads; the daily run harvests `harvest_sources` for the last `harvest_lookback_days` days
    harvest_sources: list[str] = Field(default_factory=lambda: ["pncp", "sancoes"])
    harvest_uf: str | None = "GO"
    harvest_lookback_days: int = Field(default=3, ge=1, le=366)
    harvest_pncp_modalities: list[int] = Field(default_factory=lambda: list(range(1, 15)))
    harvest_rps: float = Field(default=2.0, gt=0)
    harvest_retries: int = Field(default=6, ge=0)
    harvest_backoff_s: float = Field(default=1.0, ge=0)
    harvest_max_retry_after_s: float = Field(default=300.0, ge=0)
    harvest_timeout_s: float = Field(default=60.0, gt=0)
    # another server per source (a state mirror, the replay server); empty: the public one
    harvest_pncp_url: str | None = None
    harvest_compras_url: str | None = None
    harvest_cnpj_url: str | None = None
    harvest_sancoes_url: str | None = None

    def harvest_base_url(self, source: str) -> str | None:
        url: str | None = getattr(self, f"harvest_{source}_url", None)
        return url or None

    @field_validator("var_dir", "web_assets_dir")
    @classmethod
    def _absolute_var_dir(cls, v: Path) -> Path:
        # Relative paths are taken from the repository root, so every process agrees on one folder.
        return (v if v.is_absolute() else REPO_ROOT / v).resolve()

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            missing = [
                name
                for name, value in (
                    ("LICITAGRAPH_NEO4J_PASSWORD", self.neo4j_password),
                    ("LICITAGRAPH_API_ADMIN_KEY", self.api_admin_key),
                )
                if value is None
            ]
            if missing:
                raise SettingsError(f"production needs {', '.join(missing)} to be set")
        return self

    # Derived values -----------------------------------------------------------------------------

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://{self.neo4j_bolt_host}:{self.neo4j_bolt_port}"

    @property
    def neo4j_secret(self) -> str:
        if self.neo4j_password is not None:
            return self.neo4j_password.get_secret_value()
        if self.environment == "local":
            return _LOCAL_NEO4J_PASSWORD
        raise SettingsError("LICITAGRAPH_NEO4J_PASSWORD is not set")

    @property
    def admin_api_key(self) -> str:
        if self.api_admin_key is not None:
            return self.api_admin_key.get_secret_value()
        if self.environment == "local":
            return _LOCAL_ADMIN_API_KEY
        raise SettingsError("LICITAGRAPH_API_ADMIN_KEY is not set")

    @property
    def key_hash_secret(self) -> str:
        if self.api_key_secret is not None:
            return self.api_key_secret.get_secret_value()
        return self.admin_api_key

    @property
    def redis_url(self) -> str:
        return self.redis_url_override or f"redis://{self.redis_host}:{self.redis_port}/{self.redis_db}"

    @property
    def neo4j_dir(self) -> Path:
        return self.var_dir / "neo4j"

    @property
    def redis_dir(self) -> Path:
        return self.var_dir / "redis"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def spark_dir(self) -> Path:
        return self.var_dir / "spark"

    @property
    def spark_cluster_url(self) -> str:
        """The master URL of the local standalone cluster; the value for LICITAGRAPH_SPARK_MASTER."""
        return f"spark://{self.spark_master_host}:{self.spark_master_port}"

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "data"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import time)."""
    return Settings()
