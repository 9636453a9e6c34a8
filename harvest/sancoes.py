"""CEIS and CNEP bulk files of the Portal da Transparência: one full snapshot a day per registry.

`GET /download-de-dados/{ceis|cnep}/{YYYYMMDD}` answers a zip holding `{YYYYMMDD}_{CEIS|CNEP}.csv`
(`;`, quoted, ISO-8859-1, header row: the raw bulk layout the ETL reads). The CSV is extracted, unchanged,
to `sancoes/<registry>/<YYYYMMDD>_<REGISTRY>.csv`. A day whose file is held is not fetched again; the
newest day published is looked for from `--to` (default yesterday) back up to a week, since the portal
publishes with a delay and skips some days.
"""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date, timedelta

from harvest.common import Options
from harvest.http import Fetcher, HarvestHTTPError
from harvest.store import Checkpoint, RunManifest, atomic_write

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://portaldatransparencia.gov.br"
PATH = "/download-de-dados/{registry}/{day}"
REGISTRIES = ("ceis", "cnep")
LOOK_BACK_DAYS = 7


class SancoesHarvester:
    name = "sancoes"

    def __init__(self, opts: Options, fetcher: Fetcher, manifest: RunManifest) -> None:
        self.opts, self.fetcher, self.manifest = opts, fetcher, manifest
        self.base = (opts.base_url or DEFAULT_BASE).rstrip("/")
        self.ck = Checkpoint(opts.sources, self.name)

    def run(self) -> None:
        _, d1 = self.opts.window_range()
        for reg in REGISTRIES:
            try:
                self.registry(reg, d1)
            except HarvestHTTPError as exc:
                self.manifest.windows_failed.append(reg)
                self.manifest.error(reg, str(exc), status=exc.status)

    def registry(self, reg: str, d1: date) -> None:
        for back in range(LOOK_BACK_DAYS + 1):
            day = (d1 - timedelta(days=back)).strftime("%Y%m%d")
            key = f"{reg}/{day}"
            if self.ck.done(key) and not self.opts.refresh:
                self.manifest.windows_skipped.append(key)
                return
            try:
                resp = self.fetcher.get(self.base + PATH.format(registry=reg, day=day), kind=reg,
                                        accept=_whole_zip)
            except HarvestHTTPError as exc:
                if exc.status == 404:
                    continue  # not published that day
                raise
            with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
                members = [m for m in zf.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
                if len(members) != 1:
                    raise HarvestHTTPError(str(resp.url), f"expected one CSV in the zip, found {len(members)}")
                data = zf.read(members[0])
            target = self.opts.sources / "sancoes" / reg / f"{day}_{reg.upper()}.csv"
            atomic_write(target, data)
            self.ck.mark(key, complete=True, bytes=len(data))
            self.manifest.windows_done.append(key)
            self.manifest.files.append(target.relative_to(self.opts.sources).as_posix())
            self.manifest.count(reg + "_rows", max(0, data.count(b"\n") - 1))
            return
        self.manifest.error(reg, f"no file published in the {LOOK_BACK_DAYS + 1} days up to {d1}")


def _whole_zip(resp: object) -> None:
    import httpx

    assert isinstance(resp, httpx.Response)
    try:
        with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
            if zf.testzip() is not None:
                raise ValueError("a zip member fails its CRC")
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a whole zip: {exc}") from exc
