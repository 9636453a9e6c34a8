"""A Receita Federal CNPJ registry at scale (millions of companies), in the official file format, for
benchmarks: Empresas, Estabelecimentos, Socios and Simples split over zips like the monthly release
(`Empresas0.zip` ... each holding one headerless, `;`-separated, `"`-quoted ISO-8859-1 member), plus the
code tables and the TOM->IBGE crosswalk.

The proportions follow the real registry (about 1.1 establishments and 0.43 partner rows per company,
half the companies in the Simples file). Rows are valid (check digits, dates, codes of the reference
tables) and carry a few of the faults the ETL must reject (a bad check digit, a bad date) at a small
rate, so the benchmark measures validation as well as reading. Streamed: memory stays flat whatever the
size.

    .venv/bin/python -m synth.receita_scale --out DIR --companies 10000000
"""

from __future__ import annotations

import argparse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from synth import ids
from synth.reference import (
    CNAE_DESCRIPTIONS,
    FIRST_NAMES,
    MUNICIPALITIES,
    NATUREZAS,
    SURNAMES,
)
from synth.registry import write_code_tables

_REF = "D51108"
ESTABLISHMENTS_PER_COMPANY = 1.1
PARTNERS_PER_COMPANY = 0.43
SIMPLES_SHARE = 0.5
FAULT_RATE = 0.001  # rows with a bad check digit or date: rejected by the ETL with their reason
CHUNK = 200_000
_ZIP_TIME = (2025, 11, 8, 0, 0, 0)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(values.astype(str), width)


def _member(zf: zipfile.ZipFile, name: str) -> zipfile.ZipExtFile:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return zf.open(info, "w", force_zip64=True)  # type: ignore[return-value]


def _join(cols: list[np.ndarray]) -> bytes:
    rows = ['"' + '";"'.join(r) + '"\n' for r in zip(*cols, strict=True)]
    return "".join(rows).encode("iso-8859-1", errors="replace")


def _dates(rng: np.random.Generator, n: int, lo: int = 1970, hi: int = 2025) -> np.ndarray:
    y = rng.integers(lo, hi + 1, n)
    m = rng.integers(1, 13, n)
    d = rng.integers(1, 29, n)
    return np.char.add(np.char.add(y.astype(str), _digits(m, 2)), _digits(d, 2))


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    return np.char.add(np.char.add(first, " "), last)


def _cnpj_parts(basico: np.ndarray, ordem: int) -> tuple[np.ndarray, np.ndarray]:
    full = np.array(ids.cnpjs_from_basico(basico, ordem))
    return np.array([c[8:12] for c in full]), np.array([c[12:] for c in full])


def _spans(n: int, files: int) -> Iterator[tuple[int, int, int]]:
    per = -(-n // files)
    for k in range(files):
        lo, hi = k * per, min(n, (k + 1) * per)
        if lo < hi:
            yield k, lo, hi


def write_registry(out: Path, companies: int, seed: int = 1, files: int = 10) -> dict[str, int]:
    """Write the registry under `out/cnpj`; returns rows written per table."""
    rng = np.random.default_rng(seed)
    cnpj_dir = out / "cnpj"
    cnpj_dir.mkdir(parents=True, exist_ok=True)
    muns = np.array([m.receita for m in MUNICIPALITIES])
    cnaes = np.array(sorted(CNAE_DESCRIPTIONS))
    naturezas = np.array(sorted(NATUREZAS))
    counts = {"empresas": 0, "estabelecimentos": 0, "socios": 0, "simples": 0}
    base0 = 10_000_000
    for k, lo, hi in _spans(companies, files):
        with (
            zipfile.ZipFile(cnpj_dir / f"Empresas{k}.zip", "w", compresslevel=1) as ze,
            zipfile.ZipFile(cnpj_dir / f"Estabelecimentos{k}.zip", "w", compresslevel=1) as zs,
            zipfile.ZipFile(cnpj_dir / f"Socios{k}.zip", "w", compresslevel=1) as zp,
            _member(ze, f"K3241.K03200Y{k}.{_REF}.EMPRECSV") as emp,
            _member(zs, f"K3241.K03200Y{k}.{_REF}.ESTABELE") as est,
            _member(zp, f"K3241.K03200Y{k}.{_REF}.SOCIOCSV") as soc,
        ):
            for c_lo in range(lo, hi, CHUNK):
                n = min(hi, c_lo + CHUNK) - c_lo
                basico_i = base0 + np.arange(c_lo, c_lo + n)
                basico = _digits(basico_i, 8)
                names = np.char.add(_names(rng, n), " LTDA")
                capital = np.char.add(rng.integers(1_000, 5_000_000, n).astype(str), ",00")
                emp.write(
                    _join(
                        [
                            basico,
                            names,
                            naturezas[rng.integers(0, len(naturezas), n)],
                            np.full(n, "49"),
                            capital,
                            np.array(["01", "03", "05"])[rng.integers(0, 3, n)],
                            np.full(n, ""),
                        ]
                    )
                )
                counts["empresas"] += n
                # the head office of every company, and a branch for a share of them
                extra = rng.random(n) < ESTABLISHMENTS_PER_COMPANY - 1
                for ordem, pick in ((1, np.ones(n, dtype=bool)), (2, extra)):
                    b = basico_i[pick]
                    m = len(b)
                    if m == 0:
                        continue
                    order, dv = _cnpj_parts(b, ordem)
                    bad = rng.random(m) < FAULT_RATE
                    dv = np.where(bad, np.char.zfill(((dv.astype(int) + 1) % 100).astype(str), 2), dv)
                    started = _dates(rng, m)
                    started = np.where(rng.random(m) < FAULT_RATE, "20231345", started)
                    phone = np.char.add("3", _digits(rng.integers(0, 10_000_000, m), 7))
                    est.write(
                        _join(
                            [
                                _digits(b, 8),
                                order,
                                dv,
                                np.full(m, "1" if ordem == 1 else "2"),
                                np.full(m, ""),
                                np.array(["02", "08", "04"])[rng.choice(3, m, p=[0.7, 0.25, 0.05])],
                                _dates(rng, m),
                                np.full(m, "00"),
                                np.full(m, ""),
                                np.full(m, ""),
                                started,
                                cnaes[rng.integers(0, len(cnaes), m)],
                                np.full(m, ""),
                                np.full(m, "RUA"),
                                np.char.add("RUA ", rng.integers(1, 300, m).astype(str)),
                                rng.integers(1, 3000, m).astype(str),
                                np.full(m, ""),
                                np.full(m, "CENTRO"),
                                _digits(rng.integers(74_000_000, 76_999_999, m), 8),
                                np.full(m, "GO"),
                                muns[rng.integers(0, len(muns), m)],
                                np.full(m, "62"),
                                phone,
                                np.full(m, ""),
                                np.full(m, ""),
                                np.full(m, ""),
                                np.full(m, ""),
                                np.char.add(np.char.add("contato", basico_i[pick].astype(str)), "@gmail.com"),
                                np.full(m, ""),
                                np.full(m, ""),
                            ]
                        )
                    )
                    counts["estabelecimentos"] += m
                p = rng.random(n) < PARTNERS_PER_COMPANY
                m = int(p.sum())
                masked = np.char.add(np.char.add("***", _digits(rng.integers(0, 1_000_000, m), 6)), "**")
                soc.write(
                    _join(
                        [
                            basico[p],
                            np.full(m, "2"),
                            _names(rng, m),
                            masked,
                            np.full(m, "49"),
                            _dates(rng, m, 1990),
                            np.full(m, ""),
                            np.full(m, "***000000**"),
                            np.full(m, ""),
                            np.full(m, "00"),
                            rng.integers(2, 9, m).astype(str),
                        ]
                    )
                )
                counts["socios"] += m
    with (
        zipfile.ZipFile(cnpj_dir / "Simples.zip", "w", compresslevel=1) as zf,
        _member(zf, f"F.K03200$W.SIMPLES.CSV.{_REF}") as sim,
    ):
        for c_lo in range(0, companies, CHUNK):
            n = min(companies, c_lo + CHUNK) - c_lo
            pick = rng.random(n) < SIMPLES_SHARE
            b = _digits(base0 + np.arange(c_lo, c_lo + n)[pick], 8)
            m = len(b)
            sim.write(
                _join(
                    [
                        b,
                        np.full(m, "S"),
                        _dates(rng, m, 2008),
                        np.full(m, "00000000"),
                        np.full(m, "N"),
                        np.full(m, "00000000"),
                        np.full(m, "00000000"),
                    ]
                )
            )
            counts["simples"] += m
    write_code_tables(cnpj_dir, dict(CNAE_DESCRIPTIONS))
    return counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--companies", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=10, help="zips per large table, as the monthly release")
    a = ap.parse_args(argv)
    print(write_registry(a.out, a.companies, a.seed, a.files))


if __name__ == "__main__":
    main()
