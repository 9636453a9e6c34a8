"""Receita Federal CNPJ open data: the monthly dump, one folder a month of zips (`Empresas0.zip` ...).

Writes `cnpj/<YYYY-MM>/<name>.zip`, unchanged. Only the months not yet held are fetched (`months`:
`latest` (default), `all`, or a list `2025-01,2025-02`). Each file downloads into a hidden `.part` next to
its target and resumes from where it stopped (HTTP Range, with If-Range so that a file replaced on the
server restarts); a whole file is checked (the size the server declared, the zip's own CRCs, the
published checksum when the folder lists one) and its SHA-256 goes to `<state>/<month>.sha256`
(`sha256sum -c` reads it) before the rename. A month is complete when all its files are.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from pathlib import Path

from harvest.common import Options
from harvest.http import Fetcher, HarvestHTTPError
from harvest.store import Checkpoint, RunManifest, atomic_write, state_dir

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://arquivos.receitafederal.gov.br"
ROOT = "/dados/cnpj/dados_abertos_cnpj/"
MONTH = re.compile(r'href="(\d{4}-\d{2})/?"')
ZIP = re.compile(r'href="([A-Za-z0-9_.-]+\.zip)"')
SUMS = re.compile(r'href="([A-Za-z0-9_.-]+\.(?:sha256|md5)|(?:SHA256SUMS|MD5SUMS)[A-Za-z0-9_.]*)"', re.I)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class CnpjHarvester:
    name = "cnpj"

    def __init__(self, opts: Options, fetcher: Fetcher, manifest: RunManifest) -> None:
        self.opts, self.fetcher, self.manifest = opts, fetcher, manifest
        self.base = (opts.base_url or DEFAULT_BASE).rstrip("/")
        self.ck = Checkpoint(opts.sources, self.name)

    def listing(self, rel: str) -> str:
        resp = self.fetcher.get(self.base + ROOT + rel, kind="listing")
        return resp.text

    def wanted(self, available: list[str]) -> list[str]:
        spec = self.opts.months
        if spec == "all":
            return available
        if spec == "latest":
            return available[-1:]
        asked = [m.strip() for m in spec.split(",") if m.strip()]
        missing = [m for m in asked if m not in available]
        if missing:
            self.manifest.error("months", f"not on the server: {', '.join(missing)}")
        return [m for m in asked if m in available]

    def run(self) -> None:
        available = sorted(set(MONTH.findall(self.listing(""))))
        for month in self.wanted(available):
            if self.ck.done(month) and not self.opts.refresh:
                self.manifest.windows_skipped.append(month)
                continue
            try:
                self.month(month)
            except HarvestHTTPError as exc:
                self.manifest.windows_failed.append(month)
                self.manifest.error(month, str(exc), status=exc.status)

    def month(self, month: str) -> None:
        page = self.listing(month + "/")
        names = sorted(set(ZIP.findall(page)))
        published = self.published_sums(month, page)
        entry = self.ck.entry(month)
        held: dict[str, str] = dict(entry.get("files", {}))
        target_dir = self.opts.sources / "cnpj" / month
        for name in names:
            target = target_dir / name
            if name in held and target.exists() and not self.opts.refresh:
                continue
            part = target_dir / f".{name}.part"
            target_dir.mkdir(parents=True, exist_ok=True)
            self.fetcher.download(self.base + ROOT + f"{month}/{name}", part, kind="zip")
            digest = self.verify(part, name, published)
            part.replace(target)
            held[name] = digest
            self.ck.mark(month, files=held)
            self.manifest.files.append(target.relative_to(self.opts.sources).as_posix())
            self.manifest.count("files")
            self.manifest.count("bytes", target.stat().st_size)
        sums = "".join(f"{held[n]}  {n}\n" for n in sorted(held))
        atomic_write(state_dir(self.opts.sources, self.name) / f"{month}.sha256", sums.encode())
        self.ck.mark(month, complete=True, files=held)
        self.manifest.windows_done.append(month)

    def published_sums(self, month: str, page: str) -> dict[str, str]:
        """name -> hex digest from a checksum file the folder lists (Receita has published none so far)."""
        out: dict[str, str] = {}
        for fname in SUMS.findall(page):
            text = self.fetcher.get(self.base + ROOT + f"{month}/{fname}", kind="checksums").text
            for line in text.splitlines():
                parts = line.split()
                if len(parts) >= 2 and re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{64}", parts[0]):
                    out[parts[-1].lstrip("*")] = parts[0].lower()
        return out

    def verify(self, part: Path, name: str, published: dict[str, str]) -> str:
        try:
            with zipfile.ZipFile(part) as zf:
                bad = zf.testzip()
        except zipfile.BadZipFile as exc:
            part.unlink(missing_ok=True)
            raise HarvestHTTPError(name, f"not a valid zip ({exc}); removed, the next run downloads it again") from exc
        if bad is not None:
            part.unlink(missing_ok=True)
            raise HarvestHTTPError(name, f"zip member {bad} fails its CRC; removed, the next run downloads it again")
        digest = sha256_file(part)
        want = published.get(name)
        if want:
            got = digest if len(want) == 64 else hashlib.md5(part.read_bytes(), usedforsecurity=False).hexdigest()
            if got != want:
                part.unlink(missing_ok=True)
                raise HarvestHTTPError(name, f"checksum {got} differs from the published {want}")
        return digest
