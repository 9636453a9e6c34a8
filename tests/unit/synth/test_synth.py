"""The synthetic world: real formats, valid documents, determinism, and labelled fraud that is really there."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synth import PATTERNS, generate, ids, law
from synth import boundaries as bnd
from synth.params import SynthParams
from synth.reference import CATALOG, MUNICIPALITIES
from synth.world import build_world
from synth.writers import CEIS_HEADER, CNEP_HEADER, GENERIC_BID_HEADER

Loaded = Any  # the synth_world fixture (conftest.py) returns a conftest.Loaded

RECORD_KEYS = {
    "amparoLegal", "anoCompra", "dataAberturaProposta", "dataAtualizacao", "dataAtualizacaoGlobal",
    "dataEncerramentoProposta", "dataInclusao", "dataPublicacaoPncp", "emendaParlamentar", "fontesOrcamentarias",
    "informacaoComplementar", "justificativaPresencial", "linkProcessoEletronico", "linkSistemaOrigem",
    "modalidadeId", "modalidadeNome", "modoDisputaId", "modoDisputaNome", "numeroCompra", "numeroControlePNCP",
    "objetoCompra", "orgaoEntidade", "orgaoSubRogado", "processo", "sequencialCompra", "situacaoCompraId",
    "situacaoCompraNome", "srp", "tipoInstrumentoConvocatorioCodigo", "tipoInstrumentoConvocatorioNome",
    "unidadeOrgao", "unidadeSubRogada", "usuarioNome", "valorTotalEstimado", "valorTotalHomologado",
}
REAL_PNCP = Path(__file__).resolve().parents[3].parent / "shared/data/formats/pncp/real_responses"
CATALOG_BY_CODE = {c.code: c for c in CATALOG}


def _tender(data: Loaded) -> dict[str, dict]:
    return {f"tender:{r['numeroControlePNCP']}": r for r in data.records}


def _iso(s: str) -> date:
    return datetime.fromisoformat(s).date()


def _money(s: str) -> float:
    return float(s.replace(",", "."))


def _cases(data: Loaded, pattern: str) -> list[dict]:
    return [c for c in data.truth["cases"] if c["pattern"] == pattern]


# ---------------------------------------------------------------- formats
def test_pncp_records_have_the_real_keys(synth_world: Loaded) -> None:
    assert len(synth_world.records) == synth_world.counts["tenders"] == 400
    if REAL_PNCP.exists():
        import json

        real = json.loads(next(REAL_PNCP.glob("*.json")).read_text(encoding="utf-8"))[0]
        assert set(real) == RECORD_KEYS
        assert set(real["unidadeOrgao"]) == set(synth_world.records[0]["unidadeOrgao"])
    for r in synth_world.records:
        assert set(r) == RECORD_KEYS
        assert r["unidadeOrgao"]["ufSigla"] == "GO"
        assert re.fullmatch(r"\d{14}-1-\d{6}/\d{4}", r["numeroControlePNCP"])
        assert ids.cnpj_valid(r["orgaoEntidade"]["cnpj"])
    muns = {m.name: m.ibge for m in MUNICIPALITIES}
    assert all(muns[r["unidadeOrgao"]["municipioNome"]] == r["unidadeOrgao"]["codigoIbge"] for r in synth_world.records)
    modalities = {r["modalidadeId"] for r in synth_world.records}
    assert {4, 6, 8} <= modalities


def test_items_results_and_bids_parse_and_agree(synth_world: Loaded) -> None:
    d = synth_world
    assert len(d.items) == d.counts["items"]
    assert len(d.results) == d.counts["results"]
    assert len(d.bids) == d.counts["bids"]
    assert list(d.bids[0]) == list(GENERIC_BID_HEADER)
    for it in list(d.items.values())[:200]:
        for k in ("numeroItem", "descricao", "materialOuServico", "quantidade", "unidadeMedida",
                  "valorUnitarioEstimado", "valorTotal", "criterioJulgamentoId", "situacaoCompraItem",
                  "catalogo", "catalogoCodigoItem", "ncmNbsCodigo"):
            assert k in it
    winners = {(b["numero_controle_pncp"], b["numero_item"]): b for b in d.bids if b["vencedor"] == "S"}
    assert len(winners) == len(d.results)
    for item_id, res in d.results.items():
        control, num = item_id[len("item:"):].rsplit(":", 1)
        b = winners[(control, num)]
        assert b["fornecedor_ni"] == res["niFornecedor"]
        assert _money(b["valor_unitario"]) == pytest.approx(res["valorUnitarioHomologado"])
        assert d.items[item_id]["situacaoCompraItem"] == 2
    for b in d.bids:
        assert b["situacao"] in ("VALIDA", "DESCLASSIFICADA", "NAO_COTOU")
        assert re.fullmatch(r"\d+,\d{2}", b["valor_unitario"])
        date.fromisoformat(b["data_proposta"])


def test_receita_files_have_the_official_column_counts(synth_world: Loaded) -> None:
    widths = {"Empresas": 7, "Estabelecimentos": 30, "Socios": 11, "Simples": 7, "Cnaes": 2, "Municipios": 2,
              "Naturezas": 2, "Qualificacoes": 2, "Motivos": 2, "Paises": 2}
    assert set(synth_world.receita) == set(widths)
    for name, rows in synth_world.receita.items():
        assert rows, name
        assert {len(r) for r in rows} == {widths[name]}, name
    raw = (synth_world.out / "cnpj" / "Empresas0.zip").read_bytes()
    assert raw[:2] == b"PK"
    tab = (synth_world.out / "cnpj" / "tabmun.csv").read_bytes().decode("iso-8859-1").splitlines()
    assert all(len(line.split(";")) == 5 for line in tab)
    assert "9373;" in tab[0] and tab[0].endswith(";GO;5208707")


def test_sanction_files_have_the_raw_header(synth_world: Loaded) -> None:
    assert synth_world.ceis and synth_world.cnep
    assert list(synth_world.ceis[0]) == list(CEIS_HEADER) and len(CEIS_HEADER) == 24
    assert list(synth_world.cnep[0]) == list(CNEP_HEADER) and len(CNEP_HEADER) == 25
    for row in synth_world.ceis:
        datetime.strptime(row["DATA INÍCIO SANÇÃO"], "%d/%m/%Y")


# ---------------------------------------------------------------- documents
def test_every_cnpj_and_partner_cpf_is_valid(synth_world: Loaded) -> None:
    est = synth_world.receita["Estabelecimentos"]
    cnpjs = {r[0] + r[1] + r[2] for r in est}
    assert all(ids.cnpj_valid(c) for c in cnpjs)
    assert {b["fornecedor_ni"] for b in synth_world.bids} <= cnpjs
    for r in synth_world.receita["Socios"]:
        if r[1] == "2":
            assert re.fullmatch(r"\*\*\*\d{6}\*\*", r[3])
        else:
            assert ids.cnpj_valid(r[3])
    w = build_world(np.random.default_rng(3), SynthParams.build(300), date(2023, 1, 1))
    assert all(ids.cpf_valid(p.cpf) for p in w.persons)
    assert all(ids.cnpj_valid(c.cnpj) for c in w.companies)
    assert not ids.cnpj_valid("11222333000180") and ids.cnpj_valid("11222333000181")
    assert ids.cpf_valid("52998224725") and not ids.cpf_valid("52998224724")


# ---------------------------------------------------------------- determinism and counts
def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=11, tenders=80, chunk_tenders=30, page_size=50)
    b = generate(tmp_path / "b", seed=11, tenders=80, chunk_tenders=30, page_size=50)
    generate(tmp_path / "c", seed=12, tenders=80, chunk_tenders=30, page_size=50)
    assert a == b
    ta, tb, tc = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert ta == tb
    assert ta.keys() == tc.keys() and ta != tc
    assert a["files"] == len(ta)
    assert len(list((tmp_path / "a" / "pncp" / "contratacoes").glob("*.json"))) == 2


def test_counts_match_the_files(synth_world: Loaded) -> None:
    d = synth_world
    assert d.counts["files"] == sum(1 for p in d.out.rglob("*") if p.is_file())
    assert d.counts["empresas"] == len(d.receita["Empresas"])
    assert d.counts["socios"] == len(d.receita["Socios"])
    assert d.counts["ceis"] == len(d.ceis)
    assert d.counts["suppliers"] == len({b["fornecedor_ni"] for b in d.bids})
    for pat in PATTERNS:
        assert d.counts[f"cases_{pat}"] == len(_cases(d, pat))


def test_unknown_option_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        generate(tmp_path, tenders=10, cartel_shre=0.1)


# ---------------------------------------------------------------- ground truth ids exist
def test_every_pattern_planted_with_ids_that_exist(synth_world: Loaded) -> None:
    d = synth_world
    tenders = _tender(d)
    est = d.receita["Estabelecimentos"]
    tom_ibge = {m.receita: m.ibge for m in MUNICIPALITIES}
    suppliers = {f"supplier:{r[0]}{r[1]}{r[2]}" for r in est}
    contacts = set()
    for r in est:
        contacts.add(ids.phone_id(r[21], r[22]))
        contacts.add(ids.email_id(r[27]))
        contacts.add(ids.address_id(ids.address_normalized(r[13], r[14], r[15], r[18], tom_ibge[r[20]], r[19])))
    persons = {ids.person_id(r[3], r[2]) for r in d.receita["Socios"] if r[1] == "2"}
    for pat in PATTERNS:
        assert _cases(d, pat), f"no {pat} case"
    for c in d.truth["cases"] + d.truth["near_misses"]:
        assert set(c.get("tender_ids", [])) <= tenders.keys(), c["case_id"]
        assert set(c.get("item_ids", [])) <= d.items.keys(), c["case_id"]
        assert set(c.get("supplier_ids", [])) <= suppliers, c["case_id"]
        assert set(c.get("person_ids", [])) <= persons, c["case_id"]
        assert set(c.get("contact_ids", [])) <= contacts, c["case_id"]
    assert d.truth["seed"] == 7 and d.truth["near_misses"]
    assert {n["pattern"] for n in d.truth["near_misses"]} >= {
        "short_deadline", "single_bidder", "dispensa_over_limit", "fracionamento", "sanctioned_winner",
        "fresh_company", "overpricing", "shared_phone", "bid_rotation", "cover_bidding"}


# ---------------------------------------------------------------- law: honest obeys, planted breaks
def _art55_min(data: Loaded, control: str) -> int:
    its = [it for it in data.items.values() if it["_control"] == control]
    cats = [CATALOG_BY_CODE[it["catalogoCodigoItem"]] for it in its]
    kind = "works" if any(c.nature == "works" for c in cats) else (
        "goods" if all(c.kind == "M" for c in cats) else "services")
    return law.art55_min_days(kind, its[0]["criterioJulgamentoId"])


def _planted_tenders(data: Loaded, *patterns: str) -> set[str]:
    return {t for c in data.truth["cases"] if c["pattern"] in patterns for t in c["tender_ids"]}


def test_honest_tenders_obey_the_law(synth_world: Loaded) -> None:
    d = synth_world
    short = _planted_tenders(d, "short_deadline")
    over = _planted_tenders(d, "dispensa_over_limit")
    frac = _planted_tenders(d, "fracionamento")
    sums: dict[tuple[str, int, int], float] = defaultdict(float)
    checked = 0
    for t_id, r in _tender(d).items():
        control = r["numeroControlePNCP"]
        if r["modalidadeId"] in (4, 6, 7) and t_id not in short:
            pub, close = _iso(r["dataPublicacaoPncp"]), _iso(r["dataEncerramentoProposta"])
            assert law.business_days_between(pub, close) >= _art55_min(d, control), control
            checked += 1
        if r["modalidadeId"] == 8:
            code = r["amparoLegal"]["codigo"]
            assert code in (18, 19)
            limit = law.DISPENSA_LIMITS[r["anoCompra"]][0 if code == 18 else 1]
            if t_id not in over:
                assert r["valorTotalEstimado"] <= limit and r["valorTotalHomologado"] <= limit, control
            if t_id not in over and t_id not in frac:
                sums[(r["unidadeOrgao"]["codigoUnidade"], r["anoCompra"], code)] += r["valorTotalEstimado"]
    assert checked > 100
    for (_u, year, code), total in sums.items():
        assert total <= law.DISPENSA_LIMITS[year][0 if code == 18 else 1]


def test_planted_law_violations_violate(synth_world: Loaded) -> None:
    d = synth_world
    tenders = _tender(d)
    for c in _cases(d, "short_deadline"):
        r = tenders[c["tender_ids"][0]]
        pub, close = _iso(r["dataPublicacaoPncp"]), _iso(r["dataEncerramentoProposta"])
        need = _art55_min(d, r["numeroControlePNCP"])
        assert law.business_days_between(pub, close, holidays=False) < need
        if c["band"] == "just_past":  # one day short of the most lenient reading
            lenient = c["details"]["min_business_days_any_reading"]
            assert law.business_days_between(pub, close, holidays=False) == lenient - 1
    ratios: dict[str, list[float]] = defaultdict(list)
    for c in _cases(d, "dispensa_over_limit"):
        r = tenders[c["tender_ids"][0]]
        limit = law.DISPENSA_LIMITS[r["anoCompra"]][0 if r["amparoLegal"]["codigo"] == 18 else 1]
        assert r["modalidadeId"] == 8 and r["valorTotalHomologado"] > limit
        ratios[c["band"]].append(r["valorTotalHomologado"] / limit)
    for n in (x for x in d.truth["near_misses"] if x["pattern"] == "dispensa_over_limit"):
        r = tenders[n["tender_ids"][0]]
        limit = law.DISPENSA_LIMITS[r["anoCompra"]][0 if r["amparoLegal"]["codigo"] == 18 else 1]
        ratios[n["band"]].append(r["valorTotalEstimado"] / limit)
    # across the range: well past, just past (within 10 %), and honest ones just under the limit
    assert ratios["far"] and min(ratios["far"]) > 1.25
    assert ratios["just_past"] and max(ratios["just_past"]) < 1.1
    assert ratios["just_short"] and all(0.9 < x <= 1.0 for x in ratios["just_short"])
    for c in _cases(d, "fracionamento"):
        rs = [tenders[t] for t in c["tender_ids"]]
        assert len(rs) >= 3
        assert len({(r["unidadeOrgao"]["codigoUnidade"], r["orgaoEntidade"]["cnpj"], r["anoCompra"],
                     r["amparoLegal"]["codigo"]) for r in rs}) == 1
        limit = law.DISPENSA_LIMITS[rs[0]["anoCompra"]][0 if rs[0]["amparoLegal"]["codigo"] == 18 else 1]
        assert all(r["modalidadeId"] == 8 and r["valorTotalHomologado"] <= limit for r in rs)
        assert sum(r["valorTotalHomologado"] for r in rs) > limit
    for c in [n for n in d.truth["near_misses"] if n["pattern"] == "fracionamento"]:
        rs = [tenders[t] for t in c["tender_ids"]]
        limit = law.DISPENSA_LIMITS[rs[0]["anoCompra"]][0 if rs[0]["amparoLegal"]["codigo"] == 18 else 1]
        assert sum(r["valorTotalEstimado"] for r in rs) <= limit


def test_sanctioned_and_fresh_winners(synth_world: Loaded) -> None:
    d = synth_world
    sanctions = defaultdict(list)
    for row in d.ceis:
        sanctions[row["CPF OU CNPJ DO SANCIONADO"]].append(
            (datetime.strptime(row["DATA INÍCIO SANÇÃO"], "%d/%m/%Y").date(),
             datetime.strptime(row["DATA FINAL SANÇÃO"], "%d/%m/%Y").date()))
    founded = {r[0] + r[1] + r[2]: datetime.strptime(r[10], "%Y%m%d").date()
               for r in d.receita["Estabelecimentos"]}

    def in_force(cnpj: str, day: date) -> bool:
        return any(s <= day <= e for s, e in sanctions.get(cnpj, []))

    for c in _cases(d, "sanctioned_winner"):
        cnpj = c["supplier_ids"][0].split(":")[1]
        won = [res for i, res in d.results.items() if i in c["item_ids"] and res["niFornecedor"] == cnpj]
        assert won and all(in_force(cnpj, date.fromisoformat(res["dataResultado"])) for res in won)
    for n in (x for x in d.truth["near_misses"] if x["pattern"] == "sanctioned_winner"):
        cnpj = n["supplier_ids"][0].split(":")[1]
        won = [res for i, res in d.results.items() if i in n["item_ids"] and res["niFornecedor"] == cnpj]
        assert won and not any(in_force(cnpj, date.fromisoformat(res["dataResultado"])) for res in won)
    # nobody else wins while sanctioned
    planted = _planted_tenders(d, "sanctioned_winner")
    for i, res in d.results.items():
        if in_force(res["niFornecedor"], date.fromisoformat(res["dataResultado"])):
            assert "tender:" + d.items[i]["_control"] in planted
    tenders = _tender(d)
    bands = defaultdict(list)
    for c in _cases(d, "fresh_company"):
        cnpj = c["supplier_ids"][0].split(":")[1]
        won = [res for i, res in d.results.items() if i in c["item_ids"] and res["niFornecedor"] == cnpj]
        assert won
        age = (_iso(tenders[c["tender_ids"][0]]["dataPublicacaoPncp"]) - founded[cnpj]).days
        bands[c["band"]].append(age)
        bid_days = [date.fromisoformat(b["data_proposta"]) for b in d.bids if b["fornecedor_ni"] == cnpj]
        assert bid_days and min(bid_days) > founded[cnpj]
    # far cases within a month of the edital, just-past ones in the last weeks of the six months
    assert bands["far"] and all(0 < a <= 30 for a in bands["far"])
    assert bands["just_past"] and all(120 <= a <= bnd.FRESH_MAX_AGE_DAYS for a in bands["just_past"])
    # near misses (just short: a few weeks past six months) and every other winner are older than six months
    fresh = _planted_tenders(d, "fresh_company")
    near = {t for n in d.truth["near_misses"] if n["pattern"] == "fresh_company" for t in n["tender_ids"]}
    for i, res in d.results.items():
        t = "tender:" + d.items[i]["_control"]
        if t not in fresh:
            age = (_iso(tenders[t]["dataPublicacaoPncp"]) - founded[res["niFornecedor"]]).days
            assert age > (bnd.FRESH_MAX_AGE_DAYS if t in near else 365)


# ---------------------------------------------------------------- competition patterns
def _bids_by_item(d: Loaded) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for b in d.bids:
        if b["situacao"] == "VALIDA":
            out[f"item:{b['numero_controle_pncp']}:{b['numero_item']}"].append(b)
    return out


def test_single_bidder_and_honest_competition(synth_world: Loaded) -> None:
    d = synth_world
    by_item = _bids_by_item(d)
    single = _planted_tenders(d, "single_bidder")
    for c in _cases(d, "single_bidder"):
        assert all(len({b["fornecedor_ni"] for b in by_item[i]}) == 1 for i in c["item_ids"])
    for t_id, r in _tender(d).items():
        if r["modalidadeId"] in (4, 6, 7) and t_id not in single:
            items = [i for i, it in d.items.items()
                     if it["_control"] == r["numeroControlePNCP"] and it["situacaoCompraItem"] != 4]
            if items:  # an honest pregão whose only item was deserted has no bids at all
                assert any(len(by_item.get(i, [])) >= 2 for i in items), t_id


def test_cartels_rotate_and_cover(synth_world: Loaded) -> None:
    d = synth_world
    by_item = _bids_by_item(d)
    for c in _cases(d, "bid_rotation"):
        winners = {d.results[i]["niFornecedor"] for i in c["item_ids"] if i in d.results}
        assert len(winners) >= 2 and len(c["tender_ids"]) >= 2
        assert winners <= {s.split(":")[1] for s in c["supplier_ids"]}
    cv_cartel: list[float] = []
    cv_honest: list[float] = []
    diffp_cartel: list[float] = []
    diffp_honest: list[float] = []
    cover_items = {i for c in _cases(d, "cover_bidding") for i in c["item_ids"]}
    for i, bids in by_item.items():
        if len(bids) < 3:
            continue
        v = sorted(_money(b["valor_unitario"]) for b in bids)
        cv = statistics.stdev(v) / statistics.mean(v)
        diffp = (v[1] - v[0]) / v[0]
        (cv_cartel if i in cover_items else cv_honest).append(cv)
        (diffp_cartel if i in cover_items else diffp_honest).append(diffp)
    assert cv_cartel and cv_honest
    assert statistics.median(cv_cartel) < statistics.median(cv_honest)
    assert statistics.median(diffp_cartel) > statistics.median(diffp_honest)
    assert min(diffp_cartel) >= 0.015  # 3 % gaps at least, less the rounding of sub-real prices to centavos
    assert {c["band"] for c in _cases(d, "cover_bidding")} == {"far", "just_past"}


def test_shared_contacts_are_shared_by_cobidders(synth_world: Loaded) -> None:
    d = synth_world
    est = {r[0] + r[1] + r[2]: r for r in d.receita["Estabelecimentos"]}
    partners = defaultdict(set)
    for r in d.receita["Socios"]:
        partners[r[0]].add((r[3], r[2]))
    bidders_of = defaultdict(set)
    for b in d.bids:
        bidders_of["tender:" + b["numero_controle_pncp"]].add(b["fornecedor_ni"])
    field_of = {"shared_phone": lambda r: (r[21], r[22]), "shared_email": lambda r: r[27],
                "shared_address": lambda r: (r[13], r[14], r[15], r[18], r[20])}
    for pat in ("shared_partner", "shared_address", "shared_phone", "shared_email"):
        for c in _cases(d, pat):
            a, b = (s.split(":")[1] for s in c["supplier_ids"])
            assert {a, b} <= bidders_of[c["tender_ids"][0]]
            if pat == "shared_partner":
                assert partners[a[:8]] & partners[b[:8]]
            else:
                assert field_of[pat](est[a]) == field_of[pat](est[b])
    # near-miss links share the same thing but never meet in a tender
    for n in d.truth["near_misses"]:
        if n["pattern"].startswith("shared_") and "tender_ids" not in n:
            a, b = (s.split(":")[1] for s in n["supplier_ids"])
            assert not any({a, b} <= s for s in bidders_of.values())


def test_overpriced_items_are_far_above_other_buyers(synth_world: Loaded) -> None:
    d = synth_world
    prices = defaultdict(list)
    for i, res in d.results.items():
        it = d.items[i]
        prices[(it["catalogoCodigoItem"], it["unidadeMedida"])].append((i, res["valorUnitarioHomologado"]))
    sds: dict[str, list[float]] = defaultdict(list)
    for c in [*_cases(d, "overpricing"), *(n for n in d.truth["near_misses"] if n["pattern"] == "overpricing")]:
        i = c["item_ids"][0]
        it = d.items[i]
        mine = d.results[i]["valorUnitarioHomologado"]
        others = [p for j, p in prices[(it["catalogoCodigoItem"], it["unidadeMedida"])] if j != i]
        ref = statistics.median(others) if len(others) >= 3 else CATALOG_BY_CODE[it["catalogoCodigoItem"]].price
        if c["band"] == "far":
            assert mine > 2.0 * ref, (i, mine, ref)
        # distance from what other buyers pay, in sd of the class's honest winning log price
        sig = min(CATALOG_BY_CODE[it["catalogoCodigoItem"]].sigma, 0.3)
        sds[c["band"]].append(float(np.log(mine / ref)) / float(np.hypot(sig, bnd.BID_NOISE_SD)))
    # all three bands planted, and ordered: near misses inside the honest spread, just-past cases beyond it
    assert sds["far"] and sds["just_past"] and sds["just_short"], sds
    assert statistics.median(sds["just_short"]) < 3.0 < statistics.median(sds["just_past"]) < 5.0
    assert max(sds["just_short"]) < min(sds["far"])


def test_only_planted_links_share_contacts_or_partners(synth_world: Loaded) -> None:
    """Every phone, e-mail, address or partner shared by two companies belongs to a labelled link."""
    d = synth_world
    tom_ibge = {m.receita: m.ibge for m in MUNICIPALITIES}
    holders: dict[str, set[str]] = defaultdict(set)
    for r in d.receita["Estabelecimentos"]:
        cnpj = r[0] + r[1] + r[2]
        holders[ids.phone_id(r[21], r[22])].add(cnpj)
        if r[27]:
            holders[ids.email_id(r[27])].add(cnpj)
        holders[ids.address_id(ids.address_normalized(r[13], r[14], r[15], r[18], tom_ibge[r[20]], r[19]))].add(cnpj)
    for r in d.receita["Socios"]:
        if r[1] == "2":
            holders[ids.person_id(r[3], r[2])].add(r[0])
    labelled = {x for c in d.truth["cases"] + d.truth["near_misses"] if c["pattern"].startswith("shared_")
                for x in c.get("contact_ids", []) + c.get("person_ids", [])}
    shared = {k for k, v in holders.items() if len(v) > 1}
    assert shared and shared <= labelled


def test_determinism_does_not_depend_on_hash_randomization(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    for h in ("1", "2"):
        code = f"from pathlib import Path; from synth import generate; generate(Path({str(tmp_path / h)!r}), seed=5, tenders=60)"
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": h})
    assert _tree(tmp_path / "1") == _tree(tmp_path / "2")
