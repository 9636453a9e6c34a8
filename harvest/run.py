"""Run one harvester (`harvest`) or several, each on its own (`harvest_many`: one failing does not stop the
others). Both return the run manifests, also saved under `<sources>/.harvest/runs/`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from core.settings import Settings
from harvest.common import Options
from harvest.http import Fetcher, Policy
from harvest.store import RunManifest, new_run_id, now_iso, source_lock

log = logging.getLogger(__name__)

SOURCES = ("pncp", "compras", "cnpj", "sancoes")


class Harvester(Protocol):
    def run(self) -> None: ...


def harvester_class(source: str) -> Callable[[Options, Fetcher, RunManifest], Harvester]:
    if source == "pncp":
        from harvest.pncp import PncpHarvester

        return PncpHarvester
    if source == "compras":
        from harvest.compras import ComprasHarvester

        return ComprasHarvester
    if source == "cnpj":
        from harvest.cnpj import CnpjHarvester

        return CnpjHarvester
    if source == "sancoes":
        from harvest.sancoes import SancoesHarvester

        return SancoesHarvester
    raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")


def policy_from(settings: Settings | None) -> Policy:
    if settings is None:
        return Policy()
    return Policy(rps=settings.harvest_rps, retries=settings.harvest_retries,
                  timeout_s=settings.harvest_timeout_s, backoff_s=settings.harvest_backoff_s,
                  max_retry_after_s=settings.harvest_max_retry_after_s)


def harvest(source: str, opts: Options, *, policy: Policy | None = None, fetcher: Fetcher | None = None,
            run_id: str | None = None) -> RunManifest:
    """Harvest `source` into `opts.sources`; the manifest says what was fetched and what failed.

    A failure that stops the whole source (the server unreachable, a lock held) is recorded in the manifest
    (status `failed`) and raised."""
    cls = harvester_class(source)
    manifest = RunManifest(run_id=run_id or new_run_id(), source=source, started_at=now_iso(),
                           params=_params(opts))
    own = fetcher is None
    f = fetcher or Fetcher(policy or Policy())
    opts.sources.mkdir(parents=True, exist_ok=True)
    try:
        with source_lock(opts.sources, source):
            cls(opts, f, manifest).run()
        manifest.status = "partial" if manifest.windows_failed else "succeeded"
    except BaseException as exc:
        manifest.status = "failed"
        manifest.error("*", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        manifest.finished_at = now_iso()
        manifest.http = f.stats.as_dict()
        manifest.save(opts.sources)
        if own:
            f.close()
    return manifest


def harvest_many(sources: Sequence[str], make_opts: Callable[[str], Options], *,
                 policy: Policy | None = None) -> dict[str, dict[str, Any]]:
    """Each source in turn; a source that fails is recorded and the next one runs. Returns a summary per
    source (status, windows, pages, records, files, errors, the manifest's path)."""
    run_id = new_run_id()
    out: dict[str, dict[str, Any]] = {}
    for source in sources:
        opts = make_opts(source)
        try:
            m = harvest(source, opts, policy=policy, run_id=run_id)
            out[source] = summary(m) | {"manifest": m.path(opts.sources).relative_to(opts.sources).as_posix()}
        except Exception as exc:
            log.exception("harvest of %s failed", source)
            out[source] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return out


def summary(m: RunManifest) -> dict[str, Any]:
    return {
        "status": m.status, "windows_done": len(m.windows_done), "windows_skipped": len(m.windows_skipped),
        "windows_failed": len(m.windows_failed), "pages": m.pages, "records": dict(m.records),
        "files": len(m.files), "errors": len(m.errors), "requests": m.http.get("requests", 0),
        "retries": m.http.get("retries", 0), "replayed": m.replayed,
    }


def _params(opts: Options) -> dict[str, Any]:
    return {
        "sources": str(opts.sources), "from": opts.date_from.isoformat() if opts.date_from else None,
        "to": opts.date_to.isoformat() if opts.date_to else None, "uf": opts.uf, "municipio": opts.municipio,
        "cnpj": opts.cnpj, "base_url": opts.base_url, "refresh": opts.refresh, "window_days": opts.window_days,
        "modalities": list(opts.modalities), "months": opts.months,
    }
