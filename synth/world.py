"""The standing world: agencies and their units, suppliers, partners, contacts, and the planted links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from synth import ids
from synth.params import SynthParams
from synth.reference import (
    AGENCIES,
    DISTRICTS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    MUNICIPALITIES,
    NAME_STEMS,
    SEGMENTS,
    STREETS,
    SURNAMES,
)

SEGMENT_KEYS = tuple(SEGMENTS)

# roles of a company in the world
HONEST, CARTEL, LINKED, SANCTIONED, SANCTION_NM, FRESH, YOUNG_NM, REGISTRY = range(8)


@dataclass
class Unit:
    agency: int
    code: str
    name: str
    mun: int


@dataclass
class Agency:
    cnpj: str
    name: str
    sigla: str
    natureza: str
    poder: str
    areas: tuple[str, ...]
    units: list[int] = field(default_factory=list)


@dataclass
class Person:
    name: str
    cpf: str

    @property
    def masked(self) -> str:
        return ids.mask_cpf(self.cpf)

    @property
    def graph_id(self) -> str:
        return ids.person_id(self.masked, self.name)


@dataclass
class Company:
    cnpj: str
    name: str
    trade_name: str
    natureza: str
    capital: float
    porte: str
    founded: date
    segment: str
    role: int
    mun: int
    street_type: str
    street: str
    number: str
    complement: str
    district: str
    cep: str
    ddd: str
    phone: str
    email: str
    status: str = "02"  # situação cadastral
    status_date: date | None = None
    motivo: str = "00"
    partners: list[int] = field(default_factory=list)  # person indices
    partner_company: int | None = None  # index of a company partner (holding)
    simples: bool = False
    mei: bool = False

    @property
    def basico(self) -> str:
        return self.cnpj[:8]

    @property
    def graph_id(self) -> str:
        return ids.supplier_id(self.cnpj)

    def address_norm(self) -> str:
        m = MUNICIPALITIES[self.mun]
        return ids.address_normalized(self.street_type, self.street, self.number, self.cep, m.ibge, "GO")

    @property
    def address_id(self) -> str:
        return ids.address_id(self.address_norm())

    @property
    def phone_id(self) -> str:
        return ids.phone_id(self.ddd, self.phone)

    @property
    def email_id(self) -> str:
        return ids.email_id(self.email)


@dataclass
class Link:
    """Two companies that share a partner, address, phone or e-mail (planted or near miss)."""

    kind: str  # shared_partner | shared_address | shared_phone | shared_email
    members: tuple[int, int]
    contact_ids: list[str]
    person_ids: list[str]
    planted: bool  # planted links are made to bid together; near-miss links never meet in a tender


@dataclass
class Cartel:
    segment: str
    members: list[int]
    agencies: list[int]


@dataclass
class World:
    agencies: list[Agency]
    units: list[Unit]
    companies: list[Company]
    persons: list[Person]
    pools: dict[str, np.ndarray]  # segment -> company indices of honest bidders (linked firms included)
    cartels: list[Cartel]
    clubs: list[Cartel]  # honest stable groups that bid together (near misses of bid rotation)
    links: list[Link]
    link_partner: dict[int, set[int]]  # company -> companies it must not meet in an honest tender
    reserved: dict[int, list[int]]  # role -> companies kept for planted / near-miss tenders


class _Uniq:
    """Draws unique integers from a range with the world's rng (phones, CPFs, CNPJ roots)."""

    def __init__(self, rng: np.random.Generator, lo: int, hi: int) -> None:
        self.rng, self.lo, self.hi, self.seen = rng, lo, hi, set[int]()

    def take(self, n: int) -> np.ndarray:
        out: list[int] = []
        while len(out) < n:
            for v in self.rng.integers(self.lo, self.hi, size=(n - len(out)) * 2 + 4).tolist():
                if v not in self.seen:
                    self.seen.add(v)
                    out.append(v)
                    if len(out) == n:
                        break
        return np.array(out, dtype=np.int64)


def _slug(text: str) -> str:
    return "".join(ch for ch in ids.ascii_upper(text).lower() if ch.isalnum())[:18]


def build_world(rng: np.random.Generator, p: SynthParams, world_start: date) -> World:
    roots = _Uniq(rng, 10_000_000, 99_999_999)
    phones = _Uniq(rng, 30_000_000, 39_999_999)
    cpfs = _Uniq(rng, 10_000_000, 999_999_999)

    # ---- agencies and units ----
    agency_cnpjs = ids.cnpjs_from_basico(roots.take(len(AGENCIES)))
    mun_w = np.array([m.weight for m in MUNICIPALITIES])
    mun_p = mun_w / mun_w.sum()
    agencies: list[Agency] = []
    units: list[Unit] = []
    for a_idx, (name, sigla, nat, poder, unit_names, areas) in enumerate(AGENCIES):
        ag = Agency(agency_cnpjs[a_idx], name, sigla, nat, poder, areas)
        for u_idx, uname in enumerate(unit_names):
            mun = 0
            for m_idx, m in enumerate(MUNICIPALITIES):
                if ids.ascii_upper(m.name) in uname:
                    mun = m_idx
            code = f"{926000 + a_idx * 20 + u_idx}"
            ag.units.append(len(units))
            units.append(Unit(a_idx, code, uname, mun))
        agencies.append(ag)
    # bigger worlds have more buying units (regional offices), so that dispensas keep their share
    want_units = max(len(units), p.tenders // 40)
    extra = [(a, m, k) for k in range(100) for m in range(len(MUNICIPALITIES)) for a in range(len(AGENCIES))]
    for a_idx, m_idx, k in extra[: max(0, want_units - len(units))]:
        ag = agencies[a_idx]
        name = f"{ag.sigla} - UNIDADE REGIONAL DE {ids.ascii_upper(MUNICIPALITIES[m_idx].name)}"
        name = f"{name} - NUCLEO {k + 1}" if k else name
        ag.units.append(len(units))
        units.append(Unit(a_idx, f"{926000 + a_idx * 20 + 9}{m_idx:02d}{k:02d}", name, m_idx))

    # ---- companies ----
    n_sup = int(np.clip(round(p.tenders * p.suppliers_per_tender), p.min_suppliers, p.max_suppliers))
    n_noise = round(n_sup * p.registry_noise_ratio)
    n_all = n_sup + n_noise
    area_count = {s: 1.0 for s in SEGMENT_KEYS}
    for ag in agencies:
        for s in ag.areas:
            area_count[s] += len(ag.units)
    seg_p = np.array([area_count[s] for s in SEGMENT_KEYS])
    seg_p = seg_p / seg_p.sum()
    segs = rng.choice(len(SEGMENT_KEYS), size=n_all, p=seg_p)
    # every segment gets at least 14 bidders so that honest tenders have competition
    for s_idx in range(len(SEGMENT_KEYS)):
        short = 14 - int((segs[:n_sup] == s_idx).sum())
        if short > 0:
            segs = np.concatenate([np.full(short, s_idx), segs])
    n_all = len(segs)
    n_sup = n_all - n_noise
    cnpjs = ids.cnpjs_from_basico(roots.take(n_all))
    muns = rng.choice(len(MUNICIPALITIES), size=n_all, p=mun_p)
    naturezas = rng.choice(
        ["2062", "2135", "2305", "2054", "2240"], size=n_all, p=[0.72, 0.12, 0.05, 0.05, 0.06]
    )
    founded_days = rng.integers(365, 365 * 28, size=n_all)
    capitals = np.round(np.exp(rng.normal(np.log(150_000), 1.3, size=n_all)), -2)
    phone_nums = phones.take(n_all)
    streets = rng.integers(0, len(STREETS), size=n_all)
    numbers = rng.integers(1, 2500, size=n_all)
    districts = rng.integers(0, len(DISTRICTS), size=n_all)
    stems = rng.integers(0, len(NAME_STEMS), size=n_all)
    firsts = rng.integers(0, len(FIRST_NAMES), size=(n_all, 2))
    lasts = rng.integers(0, len(SURNAMES), size=(n_all, 2))
    cep_tail = rng.integers(0, 1000, size=n_all)
    persons: list[Person] = []
    companies: list[Company] = []
    used_names: set[str] = set()
    seen_addr: set[str] = set()
    seen_email: set[str] = set()
    seen_person: set[tuple[str, str]] = set()
    for i in range(n_all):
        seg = SEGMENT_KEYS[int(segs[i])]
        words = SEGMENTS[seg][2]
        fn, ln = FIRST_NAMES[firsts[i, 0]], f"{SURNAMES[lasts[i, 0]]} {SURNAMES[lasts[i, 1]]}"
        nat = str(naturezas[i])
        word = words[i % len(words)]
        if nat == "2135":
            owner_cpf = ids.cpfs_from_base(cpfs.take(1))[0]
            name = f"{fn} {ln} {owner_cpf}"
            trade = f"{word} {NAME_STEMS[stems[i]]}"
        else:
            stem = NAME_STEMS[stems[i]]
            suffix = {"2062": "LTDA", "2305": "EIRELI", "2054": "S.A.", "2240": "LTDA"}[nat]
            name = f"{stem} {word} {suffix}"
            if name in used_names:
                name = f"{stem} {word} {SURNAMES[lasts[i, 0]]} {suffix}"
            if name in used_names:
                name = f"{stem} {word} {SURNAMES[lasts[i, 0]]} {SURNAMES[lasts[i, 1]]} {suffix}"
            if name in used_names:
                name = f"{stem} {word} {fn} {SURNAMES[lasts[i, 1]]} {suffix}"
            trade = f"{stem} {word}"
        used_names.add(name)
        m = MUNICIPALITIES[int(muns[i])]
        st_type, st = STREETS[int(streets[i])]
        number = str(int(numbers[i]))
        complement = f"QUADRA {int(numbers[i]) % 90 + 1} LOTE {int(cep_tail[i]) % 40 + 1}"
        district = DISTRICTS[int(districts[i])]
        cep = f"{int(rng.integers(m.cep_lo, m.cep_hi + 1)):05d}{int(cep_tail[i]):03d}"
        key = f"{st_type}{st}|{number}|{cep}|{m.receita}"  # the ETL's address key ignores the complement
        while key in seen_addr:
            number = str(int(number) + 1)
            key = f"{st_type}{st}|{number}|{cep}|{m.receita}"
        seen_addr.add(key)
        cap = float(capitals[i])
        if nat == "2135":
            cap = float(round(cap / 10, -2)) or 1000.0
        porte = "01" if cap < 80_000 else ("03" if cap < 800_000 else "05")
        email = (
            f"contato@{_slug(trade)}.com.br"
            if i % 3
            else f"{_slug(fn + ln)}{i % 1000}@{EMAIL_DOMAINS[i % len(EMAIL_DOMAINS)]}"
        )
        while email in seen_email:  # honest companies never share an e-mail
            local, domain = email.split("@")
            email = (
                f"{local}{len(seen_email) % 997}@{domain}"
                if domain.endswith(".com.br")
                else f"{local}x@{domain}"
            )
        seen_email.add(email)
        c = Company(
            cnpj=cnpjs[i],
            name=name,
            trade_name=trade,
            natureza=nat,
            capital=cap,
            porte=porte,
            founded=world_start - timedelta(days=int(founded_days[i])),
            segment=seg,
            role=HONEST,
            mun=int(muns[i]),
            street_type=st_type,
            street=st,
            number=number,
            complement=complement,
            district=district,
            cep=cep,
            ddd=m.ddd,
            phone=str(int(phone_nums[i])),
            email=email,
            simples=porte in ("01", "03") and bool(rng.random() < 0.8),
            mei=False,
        )
        c.status_date = c.founded
        if nat != "2135":
            n_part = int(rng.integers(1, 4))
            bases = cpfs.take(n_part)
            for cpf in ids.cpfs_from_base(bases):
                pf = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
                pl = f"{SURNAMES[int(rng.integers(len(SURNAMES)))]} {SURNAMES[int(rng.integers(len(SURNAMES)))]}"
                while (
                    cpf[3:9],
                    f"{pf} {pl}",
                ) in seen_person:  # person ids (masked digits + name) stay distinct
                    pl = f"{pl} {SURNAMES[int(rng.integers(len(SURNAMES)))]}"
                seen_person.add((cpf[3:9], f"{pf} {pl}"))
                c.partners.append(len(persons))
                persons.append(Person(f"{pf} {pl}", cpf))
        else:
            c.mei = cap <= 5000 and bool(rng.random() < 0.5)
        companies.append(c)
    # registry noise: the companies after n_sup never bid; some are closed or inapt
    for i in range(n_sup, n_all):
        companies[i].role = REGISTRY
        r = rng.random()
        if r < 0.25:
            companies[i].status, companies[i].motivo = "08", "01"
            companies[i].status_date = world_start - timedelta(days=int(rng.integers(30, 2000)))
        elif r < 0.35:
            companies[i].status, companies[i].motivo = "04", "63"
            companies[i].status_date = world_start - timedelta(days=int(rng.integers(30, 2000)))
    # a few holdings: registry companies that are partners of suppliers
    noise_idx = list(range(n_sup, n_all))
    for i in rng.choice(n_sup, size=max(1, n_sup // 40), replace=False).tolist():
        if companies[i].natureza == "2062" and noise_idx:
            companies[i].partner_company = noise_idx[int(rng.integers(len(noise_idx)))]

    # ---- planted structures ----
    seg_of = np.array([SEGMENT_KEYS.index(c.segment) for c in companies[:n_sup]])
    free = {
        s: [int(i) for i in rng.permutation(np.flatnonzero(seg_of == k))] for k, s in enumerate(SEGMENT_KEYS)
    }

    def take(seg: str, n: int, keep: int = 6) -> list[int]:
        """Take n companies of a segment out of the honest pool (keeping `keep` honest ones)."""
        pool = free[seg]
        if len(pool) - n < keep:
            return []
        out = [pool.pop() for _ in range(n)]
        return out

    n = p.tenders
    seg_choices = [s for s in SEGMENT_KEYS if s not in ("fuel",)]
    cartels: list[Cartel] = []
    n_cartels = max(1, round(n * p.cartel_share / 12)) if p.cartel_share > 0 else 0
    for k in range(n_cartels):
        seg = (
            seg_choices[k % len(seg_choices)]
            if k < len(seg_choices)
            else seg_choices[int(rng.integers(len(seg_choices)))]
        )
        size = int(rng.integers(3, 6))
        members = take(seg, size)
        if not members:
            continue
        for mbr in members:
            companies[mbr].role = CARTEL
        served = [a for a, ag in enumerate(agencies) if seg in ag.areas] or list(range(len(agencies)))
        n_ag = min(len(served), int(rng.integers(1, 4)))
        cartels.append(
            Cartel(seg, members, sorted(int(x) for x in rng.choice(served, size=n_ag, replace=False)))
        )

    clubs: list[Cartel] = []
    for k in range(round(len(cartels) * p.near_miss_ratio)):
        seg = seg_choices[(k * 7 + 3) % len(seg_choices)]
        members = take(seg, int(rng.integers(3, 6)))
        if members:
            served = [a for a, ag in enumerate(agencies) if seg in ag.areas] or list(range(len(agencies)))
            clubs.append(
                Cartel(seg, members, sorted(int(x) for x in rng.choice(served, size=1, replace=False)))
            )

    links: list[Link] = []
    link_partner: dict[int, set[int]] = {}
    kinds = ("shared_partner", "shared_address", "shared_phone", "shared_email")
    shares = (p.shared_partner_share, p.shared_address_share, p.shared_phone_share, p.shared_email_share)
    for kind, share in zip(kinds, shares, strict=True):
        n_planted = max(1, round(n * share / 3)) if share > 0 else 0
        n_near = round(n_planted * p.near_miss_ratio) if share > 0 else 0
        for j in range(n_planted + n_near):
            planted = j < n_planted
            if planted:
                seg = seg_choices[int(rng.integers(len(seg_choices)))]
                pair = take(seg, 2)
            else:  # near miss: same link, but the two firms work in different segments and never meet
                s1, s2 = rng.choice(len(seg_choices), size=2, replace=False)
                a, b = take(seg_choices[int(s1)], 1), take(seg_choices[int(s2)], 1)
                pair = a + b if a and b else []
            if len(pair) != 2:
                continue
            a_c, b_c = companies[pair[0]], companies[pair[1]]
            a_c.role = b_c.role = LINKED
            if a_c.natureza == "2135":
                a_c.natureza, a_c.name = "2062", f"{a_c.trade_name} LTDA"
            if b_c.natureza == "2135":
                b_c.natureza, b_c.name = "2062", f"{b_c.trade_name} LTDA"
            contact_ids: list[str] = []
            person_ids: list[str] = []
            if kind == "shared_partner":
                if not a_c.partners:
                    base = cpfs.take(1)
                    a_c.partners.append(len(persons))
                    persons.append(
                        Person(
                            f"{FIRST_NAMES[j % 60]} {SURNAMES[j % 50]} {SURNAMES[(j * 7) % 50]}",
                            ids.cpfs_from_base(base)[0],
                        )
                    )
                b_c.partners.append(a_c.partners[0])
                person_ids.append(persons[a_c.partners[0]].graph_id)
            elif kind == "shared_address":
                for attr in ("street_type", "street", "number", "complement", "district", "cep", "mun"):
                    setattr(b_c, attr, getattr(a_c, attr))
                b_c.complement = a_c.complement
                contact_ids.append(a_c.address_id)
            elif kind == "shared_phone":
                b_c.ddd, b_c.phone = a_c.ddd, a_c.phone
                contact_ids.append(a_c.phone_id)
            else:
                b_c.email = a_c.email
                contact_ids.append(a_c.email_id)
            links.append(Link(kind, (pair[0], pair[1]), contact_ids, person_ids, planted))
            link_partner.setdefault(pair[0], set()).add(pair[1])
            link_partner.setdefault(pair[1], set()).add(pair[0])

    reserved: dict[int, list[int]] = {}
    n_sanct = max(1, round(n * p.sanctioned_winner_share)) if p.sanctioned_winner_share > 0 else 0
    n_fresh = max(1, round(n * p.fresh_company_share)) if p.fresh_company_share > 0 else 0
    for role, count in (
        (SANCTIONED, n_sanct),
        (SANCTION_NM, round(n_sanct * p.near_miss_ratio)),
        (FRESH, n_fresh),
        (YOUNG_NM, round(n_fresh * p.near_miss_ratio)),
    ):
        got: list[int] = []
        for j in range(count):
            seg = seg_choices[(j * 5 + role) % len(seg_choices)]
            t = take(seg, 1, keep=8)
            if t:
                companies[t[0]].role = role
                got.append(t[0])
        reserved[role] = got
    for c_idx in reserved[FRESH]:
        c = companies[c_idx]
        c.capital, c.porte, c.simples = float(rng.choice([1000.0, 5000.0, 10000.0])), "01", True

    pools = {
        s: np.array(
            sorted(free[s] + [i for lk in links for i in lk.members if companies[i].segment == s]),
            dtype=np.int64,
        )
        for s in SEGMENT_KEYS
    }
    return World(agencies, units, companies, persons, pools, cartels, clubs, links, link_partner, reserved)
