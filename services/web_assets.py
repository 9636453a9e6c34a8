"""The Swagger UI, ReDoc and cytoscape.js files the API serves (/docs, /redoc and the console's interactive
network), so that all of them work with no internet.

FastAPI's defaults load them from a CDN; on the CGE's network a CDN may not answer, and the pages came out
blank. `ensure_web_assets` downloads the pinned npm tarballs once from the npm registry, checks each one
against the sha512 integrity pinned here (the registry's own `dist.integrity`), and keeps only the files
the pages need in `settings.web_assets_dir` (`.cache/web/` by default, ignored by git), with ReDoc's one
CDN reference (its logo) replaced by an empty image (`PACKAGES[].patches`). It is idempotent:
a second call with everything in place does nothing and needs no network. `licitagraph services install`
and the image's build (`python -m services.web_assets`) call it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings, get_settings
from services.process import ServiceError

log = logging.getLogger(__name__)

REGISTRY = "https://registry.npmjs.org"
MANIFEST = "installed.json"


@dataclass(frozen=True)
class NpmPackage:
    """One pinned npm tarball and the files taken from it (path in the tarball -> name in the folder)."""

    name: str
    version: str
    integrity: str  # Subresource Integrity string, as the registry publishes it (`sha512-<base64>`)
    files: dict[str, str] = field(default_factory=dict)
    # exact replacements in an extracted file (local name -> (old, new) pairs), each of which must match
    patches: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def tarball_url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    @property
    def tarball_name(self) -> str:
        return f"{self.name.replace('/', '_')}-{self.version}.tgz"


PACKAGES: tuple[NpmPackage, ...] = (
    NpmPackage(
        "swagger-ui-dist", "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        {"swagger-ui-bundle.js": "swagger-ui-bundle.js", "swagger-ui.css": "swagger-ui.css",
         "favicon-32x32.png": "favicon.png", "LICENSE": "LICENSE.swagger-ui"},
    ),
    NpmPackage(
        "redoc", "2.5.2",
        "sha512-sTJfItvRkcDTojB6wdLN4M+Ua6mlZwElV21Tf8Mn7IbQF/1Os6GvgQpZyLWPGZZHbhy7GC1Or1hTMHfz1vKh5A==",
        {"bundles/redoc.standalone.js": "redoc.standalone.js", "LICENSE": "LICENSE.redoc"},
        # the menu's "API docs by Redocly" logo is an <img> from cdn.redoc.ly, always; a data: URL fetches
        # nothing and the logo hides itself when it does not load
        {"redoc.standalone.js": (('src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 'src:"data:,"'),)},
    ),
    # the console's interactive network (api/routes/console.py, /console/vendor/...): the ES module build, which
    # the case page's own script imports (no build step, no global)
    NpmPackage(
        "cytoscape", "3.35.0",
        "sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==",
        {"dist/cytoscape.esm.min.mjs": "cytoscape.esm.min.mjs", "LICENSE": "LICENSE.cytoscape"},
    ),
)

# The files the API serves (api/routes/docs.py; the console's cytoscape module, api/routes/console.py), each
# with its media type.
SERVED: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
    "cytoscape.esm.min.mjs": "text/javascript; charset=utf-8",
}


class WebAssetsError(ServiceError):
    """The assets could not be downloaded, verified or unpacked; the message says why."""


def assets_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).web_assets_dir


def _pins() -> dict[str, str]:
    def patched(p: NpmPackage) -> str:
        if not p.patches:
            return ""
        digest = hashlib.sha256(json.dumps(sorted(p.patches.items())).encode()).hexdigest()[:12]
        return f" patched-{digest}"

    return {p.name: f"{p.version} {p.integrity}{patched(p)}" for p in PACKAGES}


def installed(directory: Path) -> bool:
    """True when every file is there and the manifest names the pinned versions."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    wanted = [name for p in PACKAGES for name in p.files.values()]
    return manifest == _pins() and all((directory / name).is_file() for name in wanted)


def missing(directory: Path) -> list[str]:
    """The served files that are not in `directory` (empty when /docs and /redoc can work)."""
    return [name for name in SERVED if not (directory / name).is_file()]


def _matches(data: bytes, integrity: str) -> bool:
    algo, _, digest = integrity.partition("-")
    if algo not in ("sha512", "sha384", "sha256"):
        raise WebAssetsError(f"unsupported integrity algorithm {algo!r}")
    return base64.b64encode(hashlib.new(algo, data).digest()).decode() == digest


def _download(url: str, timeout_s: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "licitagraph-web-assets"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # a fixed https URL
            return bytes(resp.read())
    except OSError as exc:  # URLError, HTTPError and timeouts are all OSErrors
        raise WebAssetsError(
            f"cannot download {url} ({exc}); with no internet, copy a `.cache/web` folder filled elsewhere "
            f"(`python -m services.web_assets`) to LICITAGRAPH_WEB_ASSETS_DIR") from exc


def _tarball(pkg: NpmPackage, downloads: Path, timeout_s: float) -> bytes:
    """The verified tarball, from the download cache when it is there and intact."""
    cached = downloads / pkg.tarball_name
    if cached.is_file():
        data = cached.read_bytes()
        if _matches(data, pkg.integrity):
            return data
        log.warning("cached %s does not match its pinned integrity; downloading it again", cached)
    log.info("downloading %s", pkg.tarball_url)
    data = _download(pkg.tarball_url, timeout_s)
    if not _matches(data, pkg.integrity):
        raise WebAssetsError(f"{pkg.tarball_url} does not match the pinned integrity {pkg.integrity}")
    downloads.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return data


def _extract(pkg: NpmPackage, data: bytes, into: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / pkg.tarball_name
        tgz.write_bytes(data)
        with tarfile.open(tgz, "r:gz") as tar:
            for inner, name in pkg.files.items():
                try:
                    member = tar.getmember(f"package/{inner}")
                except KeyError as exc:
                    raise WebAssetsError(f"{pkg.name}@{pkg.version} has no {inner}") from exc
                src = tar.extractfile(member)
                if src is None:
                    raise WebAssetsError(f"{pkg.name}@{pkg.version}: {inner} is not a file")
                part = into / f".{name}.part"
                with src, open(part, "wb") as out:
                    shutil.copyfileobj(src, out)
                if name in pkg.patches:
                    _patch(part, pkg.patches[name], f"{pkg.name}@{pkg.version} {inner}")
                part.replace(into / name)


def _patch(path: Path, replacements: tuple[tuple[str, str], ...], what: str) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            raise WebAssetsError(f"{what}: cannot apply the local patch, {old!r} is not there")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def ensure_web_assets(directory: Path | None = None, *, force: bool = False, timeout_s: float = 120.0) -> Path:
    """Fill `directory` (default: settings.web_assets_dir) with the pinned Swagger UI, ReDoc and cytoscape files;
    returns it. Cached: nothing is downloaded when they are already there (or their tarballs are)."""
    directory = directory or assets_dir()
    if not force and installed(directory):
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    downloads = directory / "downloads"
    for pkg in PACKAGES:
        _extract(pkg, _tarball(pkg, downloads, timeout_s), directory)
    tmp = directory / f".{MANIFEST}.part"
    tmp.write_text(json.dumps(_pins(), indent=2, sort_keys=True))
    tmp.replace(directory / MANIFEST)
    log.info("web assets ready in %s", directory)
    return directory


def main(argv: list[str] | None = None) -> int:
    """`python -m services.web_assets [DIR]`: what the image's build runs (no Neo4j, no Redis)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else None
    try:
        path = ensure_web_assets(target)
    except WebAssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"web assets: {path}")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LICITAGRAPH_LOG_LEVEL", "INFO"))
    raise SystemExit(main())
