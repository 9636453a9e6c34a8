"""Receita Federal CNPJ files, the TOM->IBGE crosswalk and the CEIS/CNEP sanction lists of the world."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np

from synth import ids
from synth.market import Market
from synth.reference import (
    CEIS_AUTHORITIES,
    CNAE_DESCRIPTIONS,
    FIRST_NAMES,
    MOTIVOS,
    MUNICIPALITIES,
    NATUREZAS,
    PAISES,
    QUALIFICACOES,
    SEGMENTS,
    SURNAMES,
)
from synth.world import Company, World
from synth.writers import CEIS_HEADER, CNEP_HEADER, csv_dump, money, receita_zip

_REF = "D51108"  # the reference-date tag inside official member names (K3241.K03200Y0.D51108.EMPRECSV)


def _ymd(d: date | None) -> str:
    return d.strftime("%Y%m%d") if d else ""


def _dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _chunks(n: int, size: int) -> Iterator[tuple[int, int, int]]:
    for k, lo in enumerate(range(0, max(n, 1), size)):
        yield k, lo, min(n, lo + size)


def write_code_tables(cnpj_dir: Path, cnaes: dict[str, str]) -> int:
    """The Receita code tables (CNAEs, municípios, naturezas, qualificações, motivos, países) as official
    zips; returns how many files were written."""
    tables = {
        "Cnaes": (f"F.K03200$Z.{_REF}.CNAECSV", sorted(cnaes.items())),
        "Municipios": (
            f"F.K03200$Z.{_REF}.MUNICCSV",
            sorted((m.receita, m.receita_name) for m in MUNICIPALITIES),
        ),
        "Naturezas": (f"F.K03200$Z.{_REF}.NATJUCSV", sorted(NATUREZAS.items())),
        "Qualificacoes": (f"F.K03200$Z.{_REF}.QUALSCSV", sorted(QUALIFICACOES.items())),
        "Motivos": (f"F.K03200$Z.{_REF}.MOTICSV", sorted(MOTIVOS.items())),
        "Paises": (f"F.K03200$Z.{_REF}.PAISCSV", sorted(PAISES.items())),
    }
    for name, (member, rows) in tables.items():
        receita_zip(cnpj_dir / f"{name}.zip", member, [list(r) for r in rows])
    return len(tables)


def write_cnpj(out: Path, w: World, rng: np.random.Generator, rows_per_file: int = 50_000) -> dict[str, int]:
    """Empresas, Estabelecimentos, Socios, Simples and the code tables, zipped like the official files."""
    cnpj_dir = out / "cnpj"
    files = 0
    companies: list[Company] = list(w.companies)
    # the agencies are in the registry too (órgãos públicos have CNPJs), at their seat in Goiânia
    mun = MUNICIPALITIES[0]
    emp: list[list[str]] = []
    est: list[list[str]] = []
    soc: list[list[str]] = []
    sim: list[list[str]] = []
    for a_idx, ag in enumerate(w.agencies):
        emp.append([ag.cnpj[:8], ag.name, ag.natureza, "16", "0,00", "05", ""])
        est.append(
            [
                ag.cnpj[:8],
                ag.cnpj[8:12],
                ag.cnpj[12:],
                "1",
                ag.sigla,
                "02",
                "19890101",
                "00",
                "",
                "",
                "19890101",
                "8411600",
                "",
                "AVENIDA",
                "UNIVERSITARIA",
                str(100 + 10 * a_idx),
                "",
                "SETOR LESTE UNIVERSITARIO",
                "74605010",
                "GO",
                mun.receita,
                "62",
                f"3201{a_idx:04d}",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for c in companies:
        qual_resp = "50" if c.natureza == "2135" else ("10" if c.natureza == "2054" else "49")
        emp.append([c.basico, c.name, c.natureza, qual_resp, money(c.capital), c.porte, ""])
        main, sec, _ = SEGMENTS[c.segment]
        m = MUNICIPALITIES[c.mun]
        est.append(
            [
                c.basico,
                c.cnpj[8:12],
                c.cnpj[12:],
                "1",
                c.trade_name,
                c.status,
                _ymd(c.status_date),
                c.motivo,
                "",
                "",
                _ymd(c.founded),
                main,
                ",".join(sec),
                c.street_type,
                c.street,
                c.number,
                c.complement,
                c.district,
                c.cep,
                "GO",
                m.receita,
                c.ddd,
                c.phone,
                "",
                "",
                "",
                "",
                c.email,
                "",
                "",
            ]
        )
        for k, p_idx in enumerate(c.partners):
            person = w.persons[p_idx]
            qual = "49" if k == 0 else "22"
            age = str(int(rng.integers(3, 8)))
            soc.append(
                [
                    c.basico,
                    "2",
                    person.name,
                    person.masked,
                    qual,
                    _ymd(c.founded),
                    "",
                    "***000000**",
                    "",
                    "00",
                    age,
                ]
            )
        if c.partner_company is not None:
            h = w.companies[c.partner_company]
            soc.append(
                [c.basico, "1", h.name, h.cnpj, "22", _ymd(c.founded), "", "***000000**", "", "00", "0"]
            )
        if c.simples or c.mei:
            start = max(c.founded, date(2007, 7, 1))
            sim.append(
                [
                    c.basico,
                    "S",
                    _ymd(start),
                    "00000000",
                    "S" if c.mei else "N",
                    _ymd(start) if c.mei else "00000000",
                    "00000000",
                ]
            )
        elif c.porte != "05":
            sim.append([c.basico, "N", "20090101", "20141231", "N", "00000000", "00000000"])
    for name, member, rows in (
        ("Empresas", f"K3241.K03200Y{{k}}.{_REF}.EMPRECSV", emp),
        ("Estabelecimentos", f"K3241.K03200Y{{k}}.{_REF}.ESTABELE", est),
        ("Socios", f"K3241.K03200Y{{k}}.{_REF}.SOCIOCSV", soc),
    ):
        for k, lo, hi in _chunks(len(rows), rows_per_file):
            receita_zip(cnpj_dir / f"{name}{k}.zip", member.format(k=k), rows[lo:hi])
            files += 1
    receita_zip(cnpj_dir / "Simples.zip", f"F.K03200$W.SIMPLES.CSV.{_REF}", sim)
    cnaes = dict(CNAE_DESCRIPTIONS)
    cnaes["8411600"] = "Administração pública em geral"
    files += 1 + write_code_tables(cnpj_dir, cnaes)
    # Tesouro TOM -> IBGE crosswalk: headerless, `;`, name padded to 45 characters, CRLF (as the real file)
    prefeituras = ids.cnpjs_from_basico(np.array([1_000_000 + int(m.ibge[2:]) for m in MUNICIPALITIES]))
    lines = [
        f"{m.receita};{prefeituras[i]};{m.receita_name:<45};GO;{m.ibge}\r\n"
        for i, m in enumerate(MUNICIPALITIES)
    ]
    (cnpj_dir / "tabmun.csv").write_bytes("".join(lines).encode("iso-8859-1"))
    files += 1
    return {
        "files": files,
        "empresas": len(emp),
        "estabelecimentos": len(est),
        "socios": len(soc),
        "simples": len(sim),
    }


def write_sanctions(
    out: Path, w: World, market: Market, rng: np.random.Generator, as_of: date
) -> dict[str, int]:
    """CEIS (the planted sanctions and their near misses, plus noise) and CNEP (fines of non-bidders)."""
    ceis: list[list[str]] = []
    cnep: list[list[str]] = []
    code = 300_000
    for c_idx, (start, end, category) in sorted(market.sanction_dates.items()):
        c = w.companies[c_idx]
        auth, uf, esfera = CEIS_AUTHORITIES[code % 4]
        code += int(rng.integers(1, 900))
        ceis.append(
            [
                "CEIS",
                str(code),
                "J",
                c.cnpj,
                c.name,
                c.name,
                c.name,
                c.trade_name,
                f"{start.year}{int(rng.integers(10**8, 10**9))}",
                category,
                _dmy(start),
                _dmy(end),
                _dmy(start),
                "Diário Oficial do Estado",
                "",
                _dmy(start),
                "Todas as Esferas em todos os Poderes",
                auth,
                uf,
                esfera,
                "LEI 14133 - ART. 156, III",
                _dmy(start),
                auth,
                "",
            ]
        )
    noise = [i for i, c in enumerate(w.companies) if c.role == 7]  # registry-only companies never bid
    pick = noise[: max(2, len(noise) // 15)]
    for k, c_idx in enumerate(pick):
        c = w.companies[c_idx]
        start = date(2019 + k % 5, 1 + k % 12, 1 + k % 27)
        auth, uf, esfera = CEIS_AUTHORITIES[k % len(CEIS_AUTHORITIES)]
        code += int(rng.integers(1, 900))
        if k % 3 == 2:
            cnep.append(
                [
                    "CNEP",
                    str(code),
                    "J",
                    c.cnpj,
                    c.name,
                    c.name,
                    c.name,
                    c.trade_name,
                    f"{start.year}{int(rng.integers(10**8, 10**9))}",
                    "Multa",
                    money(float(round(rng.uniform(5_000, 900_000), 2))),
                    _dmy(start),
                    "",
                    _dmy(start),
                    "Diário Oficial da União",
                    "",
                    _dmy(start),
                    "",
                    auth,
                    uf,
                    esfera,
                    "LEI 12846 - ART. 6, I",
                    _dmy(start),
                    auth,
                    "",
                ]
            )
        else:
            end = start.replace(year=start.year + 2)
            ceis.append(
                [
                    "CEIS",
                    str(code),
                    "J",
                    c.cnpj,
                    c.name,
                    c.name,
                    c.name,
                    c.trade_name,
                    f"{start.year}{int(rng.integers(10**8, 10**9))}",
                    "Inidoneidade",
                    _dmy(start),
                    _dmy(end),
                    _dmy(start),
                    "Diário Oficial do Estado",
                    "",
                    _dmy(start),
                    "Todas as Esferas em todos os Poderes",
                    auth,
                    uf,
                    esfera,
                    "LEI 8666 - ART. 87, IV",
                    _dmy(start),
                    auth,
                    "",
                ]
            )
    # a few natural persons (masked CPF), as in the real lists
    outsiders = ids.cpfs_from_base(rng.integers(10**7, 10**9, size=max(1, len(w.persons) // 200)))
    for k, cpf in enumerate(outsiders):
        person_name = f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {SURNAMES[(k * 3) % len(SURNAMES)]} DE {SURNAMES[(k * 11 + 5) % len(SURNAMES)]}"
        start = date(2020 + k % 4, 3, 1 + k % 27)
        code += int(rng.integers(1, 900))
        auth, uf, esfera = CEIS_AUTHORITIES[(k + 2) % len(CEIS_AUTHORITIES)]
        ceis.append(
            [
                "CEIS",
                str(code),
                "F",
                f"***.{cpf[3:6]}.{cpf[6:9]}-**",
                person_name,
                person_name,
                "",
                "",
                f"{start.year}{int(rng.integers(10**8, 10**9))}",
                "Proibição - Lei de Improbidade",
                _dmy(start),
                _dmy(start.replace(year=start.year + 5)),
                _dmy(start),
                "Diário de Justiça",
                "",
                _dmy(start),
                "Todas as Esferas em todos os Poderes",
                auth,
                uf,
                esfera,
                "LEI 8429 - ART. 12",
                _dmy(start),
                auth,
                "",
            ]
        )
    tag = as_of.strftime("%Y%m%d")
    csv_dump(out / "sancoes" / "ceis" / f"{tag}_CEIS.csv", CEIS_HEADER, ceis, encoding="iso-8859-1")
    csv_dump(out / "sancoes" / "cnep" / f"{tag}_CNEP.csv", CNEP_HEADER, cnep, encoding="iso-8859-1")
    return {"files": 2, "ceis": len(ceis), "cnep": len(cnep)}
