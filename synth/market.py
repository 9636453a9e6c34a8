"""The tender plan and the per-tender generation of items, bids and results, with planted fraud."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from synth import boundaries as bd_
from synth import ids, law
from synth.params import SynthParams
from synth.reference import CATALOG, MUNICIPALITIES, OBJECT_BY_SEGMENT, UF_NAME, CatalogItem
from synth.world import FRESH, SANCTION_NM, SANCTIONED, YOUNG_NM, Agency, Unit, World

# tender kinds of the plan
(
    HONEST,
    CARTEL,
    SH_PARTNER,
    SH_ADDRESS,
    SH_PHONE,
    SH_EMAIL,
    FRAC,
    SHORT,
    SANCT,
    FRESH_T,
    DISP_OVER,
    SINGLE,
    NM_SHORT,
    NM_DISP,
    NM_FRAC,
    NM_SANCT,
    NM_YOUNG,
    NM_TWO,
    NM_CLUB,
    NM_GAP,
) = range(20)
LINK_KIND = {
    SH_PARTNER: "shared_partner",
    SH_ADDRESS: "shared_address",
    SH_PHONE: "shared_phone",
    SH_EMAIL: "shared_email",
}

PREGAO_E, PREGAO_P, CONCORRENCIA_E, DISPENSA, INEXIGIBILIDADE = 6, 7, 4, 8, 9
COMPETITIVE = (PREGAO_E, PREGAO_P, CONCORRENCIA_E)
MODALIDADE_NOME = {
    4: "Concorrência - Eletrônica",
    6: "Pregão - Eletrônico",
    7: "Pregão - Presencial",
    8: "Dispensa de Licitação",
    9: "Inexigibilidade",
}
MODO_DISPUTA = {
    4: (1, "Aberto"),
    6: (3, "Aberto-Fechado"),
    7: (1, "Aberto"),
    8: (4, "Dispensa Com Disputa"),
    9: (5, "Não se aplica"),
}
AMPARO = {
    1: (
        "Lei 14.133/2021, Art. 28, I",
        "pregão: modalidade de licitação obrigatória para aquisição de bens e serviços comuns",
    ),
    2: (
        "Lei 14.133/2021, Art. 28, II",
        "concorrência: modalidade de licitação para contratação de bens e serviços especiais e de obras e "
        "serviços comuns e especiais de engenharia",
    ),
    6: (
        "Lei 14.133/2021, Art. 74, I",
        "Inexigibilidade de Licitação: aquisição de materiais, de equipamentos ou de gêneros ou contratação de "
        "serviços que só possam ser fornecidos por produtor, empresa ou representante comercial exclusivos",
    ),
    18: (
        "Lei 14.133/2021, Art. 75, I",
        "Dispensa de Licitação: contratação que envolva valores inferiores a R$ 100.000,00 (cem mil reais), no caso "
        "de obras e serviços de engenharia ou de serviços de manutenção de veículos automotores",
    ),
    19: (
        "Lei 14.133/2021, Art. 75, II",
        "Dispensa de Licitação: contratação que envolva valores inferiores a R$ 50.000,00 (cinquenta mil reais), "
        "no caso de outros serviços e compras",
    ),
}
CRITERIO_NOME = {1: "Menor preço", 4: "Técnica e preço", 7: "Não se aplica"}
ITEM_SITUACAO = {2: "Homologado", 4: "Deserto", 5: "Fracassado"}
PORTE_PNCP = {"01": (1, "ME"), "03": (2, "EPP"), "05": (3, "Demais")}
_ISO = "%Y-%m-%dT%H:%M:%S"

_SEG_ITEMS: dict[str, list[int]] = {}
for _i, _c in enumerate(CATALOG):
    _SEG_ITEMS.setdefault(_c.segment, []).append(_i)


def inciso_nature(segment: str) -> str:
    """The art. 75 nature group of a segment's dispensas: engineering and vehicles are inciso I."""
    return {"engineering": "engineering", "vehicles": "vehicle_maintenance"}.get(segment, "goods")


@dataclass
class Spec:
    pub: date
    agency: int
    unit: int
    segment: str
    modality: int
    kind: int = HONEST
    ref: int = -1  # cartel / link / reserved company / group index
    target: float = 0.0  # dispensa total value to reach
    order: int = 0
    force_over: int = 0  # 1: plant overpricing on the first item, -1: an overpricing near miss there
    band: str = (
        ""  # where a planted case or near miss sits relative to its rule's boundary (synth/boundaries.py)
    )


@dataclass
class Truth:
    cases: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)

    def case(self, pattern: str, **kw: Any) -> None:
        self.cases.append({"pattern": pattern, **kw})

    def near(self, pattern: str, why: str, **kw: Any) -> None:
        self.near_misses.append({"pattern": pattern, "why_not": why, **kw})


def _business_day(rng: np.random.Generator, lo: date, span_days: int) -> date:
    d = lo + timedelta(days=int(rng.integers(0, span_days)))
    while not law.is_business_day(d):
        d += timedelta(days=1)
    return d


def build_plan(rng: np.random.Generator, p: SynthParams, w: World) -> tuple[list[Spec], dict[str, Any]]:
    """Decide every tender's date, buyer, segment, modality and planted role before generating any of them."""
    start = date(p.start_year, 1, 2)
    span = (date(p.start_year + p.years - 1, 12, 15) - start).days
    n = p.tenders
    specs: list[Spec] = []
    meta: dict[str, Any] = {"frac_groups": [], "nm_frac_groups": []}

    def unit_of(agency: int) -> int:
        us = w.agencies[agency].units
        return us[int(rng.integers(len(us)))]

    def agency_for(segment: str) -> int:
        cands = [a for a, ag in enumerate(w.agencies) if segment in ag.areas]
        return cands[int(rng.integers(len(cands)))] if cands else int(rng.integers(len(w.agencies)))

    def competitive_modality(segment: str) -> int:
        if segment == "engineering":
            return CONCORRENCIA_E if rng.random() < 0.6 else PREGAO_E
        return PREGAO_P if rng.random() < 0.04 else PREGAO_E

    def count(share: float) -> int:
        return max(1, round(n * share)) if share > 0 and n >= 60 else (1 if share > 0 and n >= 20 else 0)

    def add(
        kind: int,
        segment: str | None = None,
        modality: int | None = None,
        ref: int = -1,
        agency: int | None = None,
        pub: date | None = None,
        unit: int | None = None,
        target: float = 0.0,
    ) -> Spec:
        seg = segment or [s for s in w.pools if s != "fuel"][int(rng.integers(len(w.pools) - 1))]
        a = agency if agency is not None else agency_for(seg)
        s = Spec(
            pub or _business_day(rng, start, span),
            a,
            unit if unit is not None else unit_of(a),
            seg,
            modality or competitive_modality(seg),
            kind,
            ref,
            target,
        )
        specs.append(s)
        return s

    # cartels: about 12 tenders each, taking turns
    n_cartel = count(p.cartel_share)
    for k in range(n_cartel):
        if not w.cartels:
            break
        c = w.cartels[k % len(w.cartels)]
        ags = c.agencies
        s_ = add(CARTEL, c.segment, None, k % len(w.cartels), agency=ags[int(rng.integers(len(ags)))])
        s_.band = bd_.past_band(k)
    for k in range(round(n_cartel * p.near_miss_ratio) if w.clubs else 0):
        c = w.clubs[k % len(w.clubs)]
        add(NM_CLUB, c.segment, PREGAO_E, k % len(w.clubs), agency=c.agencies[0])
    for _ in range(round(n_cartel * p.near_miss_ratio / 2)):
        add(NM_GAP, None, PREGAO_E).band = bd_.JUST_SHORT
    planted_links = [i for i, lk in enumerate(w.links) if lk.planted]
    for kind, share in (
        (SH_PARTNER, p.shared_partner_share),
        (SH_ADDRESS, p.shared_address_share),
        (SH_PHONE, p.shared_phone_share),
        (SH_EMAIL, p.shared_email_share),
    ):
        mine = [i for i in planted_links if w.links[i].kind == LINK_KIND[kind]]
        for k in range(count(share) if mine else 0):
            li = mine[k % len(mine)]
            add(kind, w.companies[w.links[li].members[0]].segment, PREGAO_E, li)
    for kind, nm_kind, share in (
        (SHORT, NM_SHORT, p.short_deadline_share),
        (SINGLE, NM_TWO, p.single_bidder_share),
    ):
        c_ = count(share)
        for k in range(c_):
            add(kind).band = bd_.past_band(k) if kind == SHORT else ""
        for _ in range(round(c_ * p.near_miss_ratio)):
            add(nm_kind).band = bd_.JUST_SHORT if nm_kind == NM_SHORT else ""
    for kind, role in ((SANCT, SANCTIONED), (NM_SANCT, SANCTION_NM), (FRESH_T, FRESH), (NM_YOUNG, YOUNG_NM)):
        for k, c_idx in enumerate(w.reserved.get(role, [])):
            s_ = add(kind, w.companies[c_idx].segment, PREGAO_E, c_idx)
            if kind == FRESH_T:
                s_.band = bd_.past_band(k)
            elif kind == NM_YOUNG:
                s_.band = (bd_.JUST_SHORT, bd_.FAR_SHORT)[k % 2]

    # dispensas: art. 75 sums per (unit, year, inciso) are tracked so that honest ones stay under the limit
    spent: dict[tuple[int, int, str], float] = {}
    closed: set[tuple[int, int, str]] = set()
    n_frac_tenders = count(p.fracionamento_share)
    g = 0
    while n_frac_tenders > 0:
        k = max(3, min(int(rng.integers(3, 6)), n_frac_tenders))
        seg = ["office", "cleaning", "food", "vehicles", "it_goods", "furniture"][g % 6]
        a = agency_for(seg)
        u = unit_of(a)
        year = p.start_year + int(rng.integers(p.years))
        nat = inciso_nature(seg)
        limit = law.dispensa_limit(year, nat)
        # the pieces' homologated values sum to `ratio` x the limit, each piece well under it
        band = bd_.past_band(g)
        ratio = float(rng.uniform(*bd_.FRACIONAMENTO_SUM_RATIO[band]))
        while True:
            weights = rng.uniform(0.7, 1.3, size=k)
            shares = ratio * weights / weights.sum()
            if shares.max() <= bd_.FRACIONAMENTO_MAX_PIECE:
                break
            k += 1
        first = date(year, int(rng.integers(1, 8)), int(rng.integers(1, 28)))
        group = []
        for j in range(k):
            pub = _business_day(rng, first + timedelta(days=int(j * rng.integers(12, 40))), 5)
            pub = pub if pub.year == year else _business_day(rng, date(year, 12, 1), 10)
            group.append(
                add(FRAC, seg, DISPENSA, g, agency=a, unit=u, pub=pub, target=float(shares[j] * limit))
            )
            group[-1].band = band
        closed.add((u, year, nat))
        meta["frac_groups"].append(group)
        n_frac_tenders -= k
        g += 1
    for j in range(round(g * p.near_miss_ratio)):
        seg = ["office", "cleaning", "food", "vehicles"][j % 4]
        a = agency_for(seg)
        u = unit_of(a)
        year = p.start_year + int(rng.integers(p.years))
        nat = inciso_nature(seg)
        if (u, year, nat) in closed:
            continue
        limit = law.dispensa_limit(year, nat)
        total = float(rng.uniform(*bd_.FRACIONAMENTO_NEAR_SUM_RATIO)) * limit
        first_share = float(rng.uniform(0.35, 0.65))
        group = []
        for k2, share in enumerate((first_share, 1 - first_share)):
            pub = _business_day(rng, date(year, 2 + 4 * k2, 3), 60)
            group.append(add(NM_FRAC, seg, DISPENSA, j, agency=a, unit=u, pub=pub, target=total * share))
            group[-1].band = bd_.JUST_SHORT
        spent[(u, year, nat)] = spent.get((u, year, nat), 0.0) + total
        meta["nm_frac_groups"].append(group)
    n_over = count(p.dispensa_over_limit_share)
    k_over = 0
    for kind, c_ in ((DISP_OVER, n_over), (NM_DISP, round(n_over * p.near_miss_ratio))):
        for _ in range(c_):
            seg = ["office", "cleaning", "vehicles", "engineering", "it_goods"][int(rng.integers(5))]
            s = add(kind, seg, DISPENSA)
            year, nat = s.pub.year, inciso_nature(seg)
            key = (s.unit, year, nat)
            limit = law.dispensa_limit(year, nat)
            if kind == DISP_OVER:
                if key in spent or key in closed:
                    specs.pop()
                    continue
                s.band = bd_.past_band(k_over)
                k_over += 1
                # the homologated value (what was contracted) is planted over the limit
                s.target = float(rng.uniform(*bd_.DISPENSA_OVER_RATIO[s.band])) * limit
                closed.add(key)
            elif key in closed or spent.get(key, 0.0) > 0:
                specs.pop()
            else:
                s.band = bd_.JUST_SHORT
                s.target = float(rng.uniform(*bd_.DISPENSA_NEAR_RATIO)) * limit
                spent[key] = s.target

    # honest tenders fill the rest
    while len(specs) < n:
        seg_keys = list(w.pools)
        a = int(rng.integers(len(w.agencies)))
        areas = w.agencies[a].areas
        seg = (
            areas[int(rng.integers(len(areas)))]
            if rng.random() < 0.9
            else seg_keys[int(rng.integers(len(seg_keys)))]
        )
        r = rng.random()
        if r < 0.25:
            modality = DISPENSA
        elif r < 0.30 and seg in ("it_services", "health", "it_goods"):
            modality = INEXIGIBILIDADE
        else:
            modality = competitive_modality(seg)
        add(HONEST, seg, modality, agency=a)
    specs = specs[:n] if len(specs) > n else specs
    order = sorted(range(len(specs)), key=lambda i: (specs[i].pub, i))
    specs = [specs[i] for i in order]
    for i, s in enumerate(specs):
        s.order = i
        # honest dispensas: decide the value now, and convert to a pregão when the yearly sum would pass the limit
        if s.modality == DISPENSA and s.kind == HONEST:
            nat = inciso_nature(s.segment)
            key = (s.unit, s.pub.year, nat)
            limit = law.dispensa_limit(s.pub.year, nat)
            target = float(rng.uniform(0.02, 0.30)) * limit
            if key in closed or spent.get(key, 0.0) + target > limit * 0.999:
                s.modality = competitive_modality(s.segment)
            else:
                spent[key] = spent.get(key, 0.0) + target
                s.target = target
    # small worlds still get one overpriced item and one near miss
    comp = [s for s in specs if s.kind == HONEST and s.modality in COMPETITIVE]
    if comp and p.overpricing_share > 0:
        comp[len(comp) // 3].force_over = 1
        if len(comp) > 1 and p.near_miss_ratio > 0:
            comp[2 * len(comp) // 3].force_over = -1
    meta["spent"] = spent
    return specs, meta


# --------------------------------------------------------------------------------------------------
@dataclass
class Generated:
    record: dict[str, Any]  # PNCP contratação
    items: list[dict[str, Any]]  # PNCP itens response
    results: list[dict[str, Any]]  # envelopes, one per homologated item
    bid_rows: list[tuple[str, ...]]  # generic CSV rows
    n_bids: int
    control: str
    tcerj_rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class _Lines:
    """A tender's item lines: catalog classes, prices, quantities, and the legal deadline they imply."""

    classes: list[CatalogItem]
    fair: np.ndarray  # this buyer's fair unit price of each line
    qty: np.ndarray
    est_unit: np.ndarray  # the buyer's estimated unit price
    over: np.ndarray  # 1: overpricing planted, -1: an overpricing near miss, 0: neither
    factor: np.ndarray  # the overpriced lines' factor over the catalog median
    criterion: int
    art55_kind: str
    min_days: int
    band: list[str] = field(default_factory=list)  # the overpriced lines' and near misses' band, else ""
    sd_over: np.ndarray = field(default_factory=lambda: np.zeros(0))  # their distance, in honest sd

    @property
    def m(self) -> int:
        """The number of lines."""
        return len(self.classes)


@dataclass
class _Bids:
    """Who quoted which line (bidders x lines), at what price and status, and who won each line."""

    bidders: list[int]
    forced: int | None  # the planted winner, if any
    part: np.ndarray  # quoted (deserted lines blanked)
    nq: np.ndarray  # did not quote, taken before the deserted lines were blanked
    price: np.ndarray
    status: np.ndarray
    winner_row: np.ndarray
    has_winner: np.ndarray
    win_unit: np.ndarray
    win_total: np.ndarray


@dataclass
class _Dates:
    """A tender's timeline: publication, proposal window, result."""

    pub_dt: datetime
    opens: datetime | None
    closes: datetime | None
    result_day: date
    updated: datetime


@dataclass
class _Tender:
    """One tender once drawn: its spec, numbering, lines, bids and dates, ready to be written and labelled."""

    s: Spec
    agency: Agency
    unit: Unit
    seq: int
    control: str
    lines: _Lines
    bids: _Bids
    dates: _Dates

    @property
    def year(self) -> int:
        return self.s.pub.year

    @property
    def est_total(self) -> np.ndarray:
        """Each line's estimated total."""
        return self.lines.est_unit * self.lines.qty

    @property
    def estimated(self) -> float:
        """The tender's estimated value (valorTotalEstimado)."""
        return float(np.round(self.est_total.sum(), 2))

    @property
    def homologated(self) -> float:
        """The tender's homologated value (valorTotalHomologado): its winning bids."""
        return float(np.round(self.bids.win_total[self.bids.has_winner].sum(), 2))


def _amparo(s: Spec) -> int:
    """The AMPARO code of the tender's basis: art. 28 modality, art. 75 dispensa, art. 74 inexigibilidade"""
    if s.modality in (PREGAO_E, PREGAO_P):
        return 1
    if s.modality == CONCORRENCIA_E:
        return 2
    if s.modality == DISPENSA:
        return law.dispensa_amparo(inciso_nature(s.segment))
    return 6


def _instrument(modality: int) -> tuple[int, str]:
    """The PNCP instrumento convocatório: an edital when competitive, else an aviso or an ato."""
    if modality in COMPETITIVE:
        return (1, "Edital")
    if modality == DISPENSA:
        return (2, "Aviso de Contratação Direta")
    return (3, "Ato que autoriza a Contratação Direta")


def _objeto(s: Spec, unit: Unit, art55_kind: str) -> str:
    """The objetoCompra text: the segment's object (works or engineering services) for the buying unit."""
    objeto = OBJECT_BY_SEGMENT[s.segment]
    if s.segment == "engineering":
        objeto = (
            "CONTRATACAO DE EMPRESA PARA EXECUCAO DE OBRA DE ENGENHARIA"
            if art55_kind == "works"
            else "CONTRATACAO DE SERVICOS COMUNS DE ENGENHARIA"
        )
    return f"{objeto}, PARA ATENDER AS NECESSIDADES DA {unit.name}"


class Market:
    """Generates tenders one by one from the plan (date order), keeping cross-tender state."""

    def __init__(self, rng: np.random.Generator, p: SynthParams, w: World, meta: dict[str, Any]) -> None:
        self.rng, self.p, self.w, self.meta = rng, p, w, meta
        self.truth = Truth()
        self.seq: dict[tuple[int, int], int] = {}
        self.cartel_turn = [0] * len(w.cartels)
        self.club_log: list[list[str]] = [[] for _ in w.clubs]
        self.club_items: list[list[str]] = [[] for _ in w.clubs]
        self.cartel_log: list[dict[str, list[str]]] = [
            {"tender_ids": [], "item_ids": [], "winner_ids": []} for _ in w.cartels
        ]
        self.frac_log: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.sanction_dates: dict[int, tuple[date, date, str]] = {}  # company -> (start, end, category)
        self.fresh_founded: dict[int, date] = {}
        self.participants: set[int] = set()

    # ---- helpers ----
    def _honest_bidders(self, segment: str, k: int, exclude: set[int]) -> list[int]:
        pool = self.w.pools[segment]
        k = int(min(k, len(pool)))
        picked = [int(x) for x in self.rng.choice(pool, size=min(len(pool), k + 3), replace=False)]
        out: list[int] = []
        for c in picked:
            if c in exclude or any(o in self.w.link_partner.get(c, ()) for o in out):
                continue
            out.append(c)
            if len(out) == k:
                break
        return out

    def _items(self, s: Spec) -> list[int]:
        cands = _SEG_ITEMS[s.segment]
        if s.segment == "engineering":
            want = "works" if s.modality == CONCORRENCIA_E else "engineering"
            cands = [i for i in cands if CATALOG[i].nature == want] or cands
        if s.modality == CONCORRENCIA_E:
            m = int(self.rng.integers(1, 3))
        elif s.modality == DISPENSA:
            m = int(self.rng.integers(1, 4))
        elif s.modality == INEXIGIBILIDADE:
            m = 1
        else:
            m = int(min(1 + self.rng.geometric(0.3) - 1 + int(self.rng.integers(0, 3)), 14))
        m = max(1, m)
        if s.modality == DISPENSA and s.target > 0:
            # a dispensa buys quantities of affordable items; its value comes from the quantities, never from
            # bending unit prices (which would corrupt the price references of the catalog)
            fits = [i for i in cands if CATALOG[i].price * 10 <= s.target / m]
            cands = fits or [min(cands, key=lambda i: CATALOG[i].price)]
        return [cands[int(x)] for x in self.rng.integers(0, len(cands), size=m)]

    def _art55(self, s: Spec, classes: list[CatalogItem], criterion: int) -> tuple[str, int]:
        if any(c.nature == "works" for c in classes):
            kind = "works"
        elif all(c.kind == "M" for c in classes):
            kind = "goods"
        else:
            kind = "services"
        return kind, law.art55_min_days(kind, criterion)

    # ---- one tender ----
    def generate(self, s: Spec) -> Generated:
        """Draw one tender of the plan and return its PNCP record, items, results and bid rows; label it."""
        seq, control = self._number(s)
        lines = self._draw_lines(s)
        bidders, forced = self._pick_bidders(s)
        part = self._participation(s, len(bidders), lines.m, forced)
        price = self._price_bids(s, lines, bidders, forced, part)
        bids = self._award(s, lines, bidders, forced, part, price)
        if s.kind in (DISP_OVER, FRAC):
            self._reach_homologated(s, lines, bids)
        dates = self._schedule(s, lines)
        self._date_planted_companies(s, dates.result_day)
        t = _Tender(s, self.w.agencies[s.agency], self.w.units[s.unit], seq, control, lines, bids, dates)
        rec = self._record(t)
        items, results = self._item_lines(t)
        rows = self._bid_rows(t)
        self._label(t)
        return Generated(rec, items, [dict(r) for r in results], rows, len(rows), control)

    def _number(self, s: Spec) -> tuple[int, str]:
        """The tender's yearly sequence number at its agency and its PNCP control number."""
        ag = self.w.agencies[s.agency]
        year = s.pub.year
        seq = self.seq[(s.agency, year)] = self.seq.get((s.agency, year), 0) + 1
        return seq, f"{ag.cnpj}-1-{seq:06d}/{year}"

    def _draw_lines(self, s: Spec) -> _Lines:
        """Draw the item lines: classes, fair prices, quantities, criterion, planted overpricing, estimate."""
        rng = self.rng
        classes = [CATALOG[i] for i in self._items(s)]
        m = len(classes)
        sig = np.array([min(c.sigma, 0.3) for c in classes])
        fair = np.array([c.price for c in classes]) * np.exp(rng.normal(0, 1, size=m) * sig)
        qty = np.array(
            [float(round(np.exp(rng.uniform(np.log(c.qty[0]), np.log(c.qty[1] + 1))))) for c in classes]
        )
        qty = np.maximum(qty, 1.0)
        criterion = 4 if s.modality == CONCORRENCIA_E and rng.random() < 0.2 else 1
        if s.modality == INEXIGIBILIDADE:
            criterion = 7
        art55_kind, min_days = self._art55(s, classes, criterion)
        over, factor, band, sd_over = self._plant_overpricing(s, sig)
        # anchored on the catalog median (not on this buyer's own draw), so "far above other buyers" holds
        base_price = np.array([c.price for c in classes])
        fair = np.where(over != 0, base_price * factor, fair)
        est_unit, qty = self._estimate(s, fair, qty)
        return _Lines(
            classes, fair, qty, est_unit, over, factor, criterion, art55_kind, min_days, band, sd_over
        )

    def _plant_overpricing(
        self, s: Spec, sig: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Mark an honest competitive tender's overpriced lines (1) and near misses (-1), with their factors
        over the catalog median, bands and distances in sd of the honest winning log price (synth/boundaries.py).

        The buyer's estimate and every bid then follow the inflated price.
        """
        rng = self.rng
        m = len(sig)
        over = np.zeros(m)
        if s.kind == HONEST and s.modality in COMPETITIVE:
            r = rng.random(m)
            over[r < self.p.overpricing_share] = 1
            over[
                (r >= self.p.overpricing_share)
                & (r < self.p.overpricing_share * (1 + self.p.near_miss_ratio))
            ] = -1
            if s.force_over:
                over[0] = s.force_over
        factor = np.ones(m)
        band = [""] * m
        sd_over = np.zeros(m)
        # honest winning prices of a class spread with the class's buyer-to-buyer sd and the bids' noise
        sd_win = np.sqrt(sig**2 + bd_.BID_NOISE_SD**2)
        for j in np.flatnonzero(over != 0):
            if over[j] == 1:
                band[j] = bd_.FAR if rng.random() < 0.5 else bd_.JUST_PAST
                sd_over[j] = rng.uniform(*bd_.OVERPRICING_SD[band[j]])
            else:
                band[j] = bd_.JUST_SHORT
                sd_over[j] = rng.uniform(*bd_.OVERPRICING_NEAR_SD)
            factor[j] = float(np.exp(sd_over[j] * sd_win[j]))
            if band[j] == bd_.FAR:
                factor[j] = max(bd_.OVERPRICING_FAR_MIN_FACTOR, factor[j])
        return over, factor, band, sd_over

    def _estimate(self, s: Spec, fair: np.ndarray, qty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The buyer's estimated unit prices, and the quantities (rescaled to a dispensa's planned value)."""
        rng = self.rng
        m = len(fair)
        if s.modality == DISPENSA and s.target > 0:
            # scale quantities so that the dispensa's total reaches (planted over-limit) or stays under its value
            est_unit = np.maximum(0.01, np.round(fair * np.exp(rng.normal(0.06, 0.05, size=m)), 2))
            scale = s.target / float((est_unit * qty).sum())
            qty = np.maximum(1.0, (np.ceil if s.kind == DISP_OVER else np.floor)(qty * scale))
            while s.kind != DISP_OVER and float((est_unit * qty).sum()) > s.target:
                j = int(np.argmax(est_unit * qty))
                if qty[j] <= 1:
                    break
                qty[j] = max(1.0, float(np.floor(qty[j] * 0.9)))
            total = float((est_unit * qty).sum())
            if s.kind != DISP_OVER and total > s.target:  # only when even one unit of each is too dear
                est_unit = np.maximum(0.01, np.floor(est_unit * (s.target / total) * 100) / 100)
        else:
            # buyers' price research runs above the market: honest pregões end 10-25% under the estimate
            est_unit = np.maximum(0.01, np.round(fair * np.exp(rng.normal(0.22, 0.07, size=m)), 2))
        return est_unit, qty

    @staticmethod
    def _reach_homologated(s: Spec, lines: _Lines, bids: _Bids) -> None:
        """A planted over-limit dispensa or piece of a split purchase is planted on its homologated value (what
        was contracted, and so what art. 75 limits): raise the quantities until the winning bids reach the
        target. The estimate follows the quantities and stays at or over the winning bids."""
        got = float(bids.win_total[bids.has_winner].sum())
        if got <= 0 or got >= s.target:
            return
        lines.qty = np.ceil(lines.qty * (s.target / got) * 1.0005)
        bids.win_total = np.round(bids.win_unit * lines.qty, 2)

    def _pick_bidders(self, s: Spec) -> tuple[list[int], int | None]:
        """The tender's bidders and its planted winner: a cartel's turn, a planted firm, a split's."""
        rng, w = self.rng, self.w
        exclude: set[int] = set()
        forced: int | None = None
        if s.kind == CARTEL:
            cartel = w.cartels[s.ref]
            members = list(cartel.members)
            bidders = members
            turn = self.cartel_turn[s.ref]
            self.cartel_turn[s.ref] += 1
            forced = members[turn % len(members)]
        elif s.kind == NM_CLUB:
            bidders = list(w.clubs[s.ref].members)
        elif s.modality == INEXIGIBILIDADE:
            bidders = self._honest_bidders(s.segment, 1, exclude)
        elif s.modality == DISPENSA:
            bidders = self._honest_bidders(s.segment, int(rng.integers(1, 4)), exclude)
        elif s.kind == SINGLE:
            bidders = self._honest_bidders(s.segment, 1, exclude)
        elif s.kind == NM_TWO:
            bidders = self._honest_bidders(s.segment, 2, exclude)
        else:
            k = 3 + int(rng.poisson(2.5 if s.modality != CONCORRENCIA_E else 1.5))
            if s.kind in LINK_KIND:
                pair = list(w.links[s.ref].members)
                exclude = set(pair)
                bidders = pair + self._honest_bidders(s.segment, max(1, k - 2), exclude)
            elif s.kind in (SANCT, NM_SANCT, FRESH_T, NM_YOUNG):
                forced = s.ref
                bidders = [s.ref, *self._honest_bidders(s.segment, k - 1, {s.ref})]
            else:
                bidders = self._honest_bidders(s.segment, k, exclude)
        if s.kind == FRAC and s.ref >= 0:
            bidders, forced = self._repeat_split_winner(s, bidders, forced)
        return bidders, forced

    def _repeat_split_winner(
        self, s: Spec, bidders: list[int], forced: int | None
    ) -> tuple[list[int], int | None]:
        """The same supplier often wins every piece of a split purchase: force the first piece's winner."""
        w = self.w
        key = ("frac", s.ref)
        first = self.frac_log.get(key)
        if first and self.rng.random() < 0.7:
            forced = first[0]["winner"]
            # the pieces' other bidders were drawn apart from each other, not from the forced winner:
            # keep its linked companies out too, so that no unlabelled tender holds a linked pair
            rivals = [b for b in bidders if b != forced and b not in w.link_partner.get(forced, ())]
            bidders = [forced, *rivals[: max(0, len(bidders) - 1)]]
        return bidders, forced

    def _participation(self, s: Spec, nb: int, m: int, forced: int | None) -> np.ndarray:
        """Which bidder quotes which line (bidders x lines): honest gaps, but two bids per line at least."""
        rng = self.rng
        if s.modality in COMPETITIVE and s.kind not in (SINGLE, NM_TWO, CARTEL, NM_CLUB):
            part = rng.random((nb, m)) < 0.8
            if s.kind in LINK_KIND or forced is not None:
                part[0, :] = True
                if s.kind in LINK_KIND:
                    part[1, :] = True
            for j in range(m):  # honest competition: at least two bids per item
                if part[:, j].sum() < 2:
                    part[rng.choice(nb, size=min(2, nb), replace=False), j] = True
        else:
            part = np.ones((nb, m), dtype=bool)
        return part

    def _price_bids(
        self, s: Spec, lines: _Lines, bidders: list[int], forced: int | None, part: np.ndarray
    ) -> np.ndarray:
        """The unit price of every bid (bidders x lines), with the planted winners' and covers' prices.

        A cartel also lifts the buyer's estimate over its winning price, and an undercutting near miss
        makes its first bidder quote every line (both in place).
        """
        rng = self.rng
        fair, m, nb = lines.fair, lines.m, len(bidders)
        cost = fair[None, :] * np.exp(rng.normal(0, 0.06, size=(nb, m)))
        price = cost * (1 + rng.uniform(0.02, 0.30, size=(nb, m)))
        if s.kind == CARTEL:
            w_i = bidders.index(forced) if forced is not None else 0
            win_p = fair * rng.uniform(*bd_.COVER_WINNER_MARKUP, size=m)
            lines.est_unit = np.maximum(lines.est_unit, np.round(win_p / rng.uniform(0.93, 0.99, size=m), 2))
            # the best cover a gap over the winner, the other covers within a spread over it (synth/boundaries.py)
            b2 = win_p * (1 + rng.uniform(*bd_.COVER_GAP[s.band], size=m))
            spread = rng.uniform(*bd_.COVER_SPREAD[s.band])
            price = b2[None, :] * (1 + rng.uniform(0.0, spread, size=(nb, m)))
            price[w_i, :] = win_p
        elif s.kind == NM_GAP:  # an efficient firm undercuts everyone; the other bids stay independent
            part[0, :] = True
            others = np.where(part[1:], price[1:], np.inf).min(axis=0)
            others = np.where(np.isfinite(others), others, fair * 1.1)
            price[0, :] = others * rng.uniform(*bd_.COVER_NEAR_UNDERCUT, size=m)
        elif forced is not None and s.modality in COMPETITIVE:
            f_i = bidders.index(forced)
            others = np.where(part, price, np.inf)
            others[f_i, :] = np.inf
            best_other = others.min(axis=0)
            best_other = np.where(np.isfinite(best_other), best_other, fair * 1.1)
            price[f_i, :] = best_other * rng.uniform(0.95, 0.99, size=m)
        elif forced is not None:  # fracionamento: the same winner quotes lowest
            f_i = bidders.index(forced)
            price[f_i, :] = price.min(axis=0) * 0.98
        if s.modality == DISPENSA:
            # a dispensa is paid at or under its estimate; its planned total is what the law checks
            price = np.minimum(price, lines.est_unit[None, :] * rng.uniform(0.9, 1.0, size=(nb, m)))
        return np.maximum(0.01, np.round(price, 2))

    def _award(
        self,
        s: Spec,
        lines: _Lines,
        bidders: list[int],
        forced: int | None,
        part: np.ndarray,
        price: np.ndarray,
    ) -> _Bids:
        """Judge the bids: a few disqualified, a few lines deserted, the cheapest valid bid wins each line."""
        rng, m, nb = self.rng, lines.m, len(bidders)
        status = np.full((nb, m), "VALIDA", dtype=object)
        if s.modality in COMPETITIVE and s.kind == HONEST:
            valid_n = part.sum(axis=0)
            dq = (rng.random((nb, m)) < 0.03) & part & (valid_n[None, :] >= 3)
            first_dq = dq & (np.cumsum(dq, axis=0) == 1)
            status[first_dq] = "DESCLASSIFICADA"
        nq = ~part
        valid = part & (status == "VALIDA")
        # deserted items (nobody quoted) in honest pregões
        deserted: np.ndarray = np.zeros(m, dtype=bool)
        if s.kind == HONEST and s.modality == PREGAO_E:
            deserted = np.asarray(rng.random(m) < 0.01)
            valid[:, deserted] = False
            part[:, deserted] = False
        masked_price = np.where(valid, price, np.inf)
        winner_row = masked_price.argmin(axis=0)
        has_winner = np.isfinite(masked_price.min(axis=0))
        win_unit = np.where(has_winner, price[winner_row, np.arange(m)], 0.0)
        win_total = np.round(win_unit * lines.qty, 2)
        return _Bids(bidders, forced, part, nq, price, status, winner_row, has_winner, win_unit, win_total)

    def _schedule(self, s: Spec, lines: _Lines) -> _Dates:
        """Publication time, proposal window (short if planted, else the art. 55 minimum or more), result."""
        rng = self.rng
        pub_dt = datetime(
            s.pub.year,
            s.pub.month,
            s.pub.day,
            int(rng.integers(8, 18)),
            int(rng.integers(0, 60)),
            int(rng.integers(0, 60)),
        )
        opens: datetime | None
        closes: datetime | None
        if s.modality in COMPETITIVE:
            if s.kind == SHORT:
                # short under any reading of the law (common or special works), so that the label is certain
                lenient = law.art55_min_days_any_reading(lines.art55_kind, lines.criterion)
                if s.band == bd_.JUST_PAST:
                    days = lenient - 1
                else:
                    hi = max(1, lenient - bd_.SHORT_DEADLINE_FAR_MAX_GAP)
                    days = int(rng.integers(min(hi, max(1, lenient // 3)), hi + 1))
                close_d = law.add_weekdays(s.pub, days)
            elif s.kind == NM_SHORT:
                extra = int(
                    rng.integers(
                        bd_.SHORT_DEADLINE_NEAR_EXTRA_DAYS[0], bd_.SHORT_DEADLINE_NEAR_EXTRA_DAYS[1] + 1
                    )
                )
                close_d = law.add_business_days(s.pub, lines.min_days + extra)
            else:
                extra = int(rng.choice([0, 0, 1, 2, 3, 5, 8, 12]))
                close_d = law.add_business_days(s.pub, lines.min_days + extra)
            opens = datetime(s.pub.year, s.pub.month, s.pub.day, 8, 0) + timedelta(days=1)
            closes = datetime(close_d.year, close_d.month, close_d.day, 9, 0)
        elif s.modality == DISPENSA:
            close_d = law.add_business_days(s.pub, 3)
            opens = datetime(s.pub.year, s.pub.month, s.pub.day, 8, 0) + timedelta(days=1)
            closes = datetime(close_d.year, close_d.month, close_d.day, 9, 0)
        else:
            opens = closes = None
        result_day = (closes.date() if closes else s.pub) + timedelta(days=int(rng.integers(2, 25)))
        updated = datetime(result_day.year, result_day.month, result_day.day, 16, 30)
        return _Dates(pub_dt, opens, closes, result_day, updated)

    def _date_planted_companies(self, s: Spec, result_day: date) -> None:
        """Date the planted companies' sanctions and foundings, decided now that the result date is known."""
        rng = self.rng
        if s.kind == SANCT:
            start = s.pub - timedelta(days=int(rng.integers(10, 300)))  # in force from before the edital
            self.sanction_dates[s.ref] = (
                start,
                start + timedelta(days=int(rng.integers(2, 6)) * 365),
                "Impedimento/proibição de contratar com prazo determinado",
            )
        elif s.kind == NM_SANCT:
            if rng.random() < 0.5:  # ended before the proposal period
                end = s.pub - timedelta(days=int(rng.integers(15, 200)))
                self.sanction_dates[s.ref] = (end - timedelta(days=365), end, "Suspensão")
            else:  # starts after the result
                begins = result_day + timedelta(days=int(rng.integers(15, 200)))
                self.sanction_dates[s.ref] = (begins, begins + timedelta(days=730), "Suspensão")
        elif s.kind == FRESH_T:
            lo, hi = bd_.FRESH_AGE_DAYS[s.band]
            self.fresh_founded[s.ref] = s.pub - timedelta(
                days=int(rng.integers(lo, hi + 1))
            )  # before the edital
            self.w.companies[s.ref].founded = self.fresh_founded[s.ref]
            self.w.companies[s.ref].status_date = self.fresh_founded[s.ref]
        elif s.kind == NM_YOUNG:
            lo, hi = bd_.FRESH_NEAR_AGE_DAYS[s.band]
            self.w.companies[s.ref].founded = s.pub - timedelta(days=int(rng.integers(lo, hi + 1)))
            self.w.companies[s.ref].status_date = self.w.companies[s.ref].founded

    def _record(self, t: _Tender) -> dict[str, Any]:
        """The tender's PNCP contratação record."""
        s, ag, unit, year, seq, d = t.s, t.agency, t.unit, t.year, t.seq, t.dates
        amparo = _amparo(s)
        mun = MUNICIPALITIES[unit.mun]
        modo = MODO_DISPUTA[s.modality]
        instr = _instrument(s.modality)
        return {
            "amparoLegal": {"codigo": amparo, "descricao": AMPARO[amparo][1], "nome": AMPARO[amparo][0]},
            "anoCompra": year,
            "dataAberturaProposta": d.opens.strftime(_ISO) if d.opens else None,
            "dataAtualizacao": d.pub_dt.strftime(_ISO),
            "dataAtualizacaoGlobal": d.updated.strftime(_ISO),
            "dataEncerramentoProposta": d.closes.strftime(_ISO) if d.closes else None,
            "dataInclusao": d.pub_dt.strftime(_ISO),
            "dataPublicacaoPncp": d.pub_dt.strftime(_ISO),
            "emendaParlamentar": None,
            "fontesOrcamentarias": [],
            "informacaoComplementar": None,
            "justificativaPresencial": (
                "Pregão presencial justificado por inviabilidade técnica da forma eletrônica"
                if s.modality == PREGAO_P
                else None
            ),
            "linkProcessoEletronico": None,
            "linkSistemaOrigem": None,
            "modalidadeId": s.modality,
            "modalidadeNome": MODALIDADE_NOME[s.modality],
            "modoDisputaId": modo[0],
            "modoDisputaNome": modo[1],
            "numeroCompra": f"{seq}",
            "numeroControlePNCP": t.control,
            "objetoCompra": _objeto(s, unit, t.lines.art55_kind),
            "orgaoEntidade": {"cnpj": ag.cnpj, "esferaId": "E", "poderId": ag.poder, "razaoSocial": ag.name},
            "orgaoSubRogado": None,
            "processo": f"{year}{s.agency + 1:05d}{seq:06d}",
            "sequencialCompra": seq,
            "situacaoCompraId": 1,
            "situacaoCompraNome": "Divulgada no PNCP",
            "srp": bool(s.modality in (PREGAO_E, PREGAO_P) and self.rng.random() < 0.4),
            "tipoInstrumentoConvocatorioCodigo": instr[0],
            "tipoInstrumentoConvocatorioNome": instr[1],
            "unidadeOrgao": {
                "codigoIbge": mun.ibge,
                "codigoUnidade": unit.code,
                "municipioNome": mun.name,
                "nomeUnidade": unit.name,
                "ufNome": UF_NAME,
                "ufSigla": "GO",
            },
            "unidadeSubRogada": None,
            "usuarioNome": "Compras.gov.br",
            "valorTotalEstimado": t.estimated,
            "valorTotalHomologado": t.homologated,
        }

    def _item_lines(self, t: _Tender) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The PNCP itens response of the tender and the result envelope of each homologated line."""
        items = [self._item(t, j) for j in range(t.lines.m)]
        results = [self._result(t, j) for j in range(t.lines.m) if t.bids.has_winner[j]]
        return items, results

    def _item(self, t: _Tender, j: int) -> dict[str, Any]:
        """Line j as a PNCP item: estimate, quantity, criterion, situation (homologated, deserted, failed)."""
        ln, bd, d = t.lines, t.bids, t.dates
        c = ln.classes[j]
        sit = 2 if bd.has_winner[j] else (4 if not bd.part[:, j].any() else 5)
        return {
            "numeroItem": j + 1,
            "descricao": c.description,
            "materialOuServico": c.kind,
            "materialOuServicoNome": "Material" if c.kind == "M" else "Serviço",
            "valorUnitarioEstimado": float(ln.est_unit[j]),
            "valorTotal": float(round(t.est_total[j], 2)),
            "quantidade": float(ln.qty[j]),
            "unidadeMedida": c.unit,
            "orcamentoSigiloso": False,
            "itemCategoriaId": 3,
            "itemCategoriaNome": "Não se aplica",
            "criterioJulgamentoId": ln.criterion,
            "criterioJulgamentoNome": CRITERIO_NOME[ln.criterion],
            "situacaoCompraItem": sit,
            "situacaoCompraItemId": sit,
            "situacaoCompraItemNome": ITEM_SITUACAO[sit],
            "tipoBeneficio": 4,
            "tipoBeneficioNome": "Sem benefício",
            "incentivoProdutivoBasico": False,
            "dataInclusao": d.pub_dt.strftime(_ISO),
            "dataAtualizacao": d.updated.strftime(_ISO),
            "temResultado": bool(bd.has_winner[j]),
            "imagem": 0,
            "ncmNbsCodigo": c.ncm,
            "ncmNbsDescricao": None,
            "catalogo": "CATMAT" if c.kind == "M" else "CATSER",
            "categoriaItemCatalogo": None,
            "catalogoCodigoItem": c.code,
            "informacaoComplementar": None,
        }

    def _result(self, t: _Tender, j: int) -> dict[str, Any]:
        """The PNCP result envelope of homologated line j: its winner, price and discount on the estimate."""
        ln, bd = t.lines, t.bids
        num = j + 1
        wc = self.w.companies[bd.bidders[int(bd.winner_row[j])]]
        porte = PORTE_PNCP[wc.porte]
        disc = float(round((1 - bd.win_unit[j] / ln.est_unit[j]) * 100, 2)) if ln.est_unit[j] > 0 else 0.0
        return {
            "cnpj": t.agency.cnpj,
            "ano": t.year,
            "sequencial": t.seq,
            "numeroItem": num,
            "response": [
                {
                    "numeroItem": num,
                    "niFornecedor": wc.cnpj,
                    "tipoPessoa": "PJ",
                    "nomeRazaoSocialFornecedor": wc.name,
                    "codigoPais": "BRA",
                    "porteFornecedorId": porte[0],
                    "porteFornecedorNome": porte[1],
                    "quantidadeHomologada": float(ln.qty[j]),
                    "valorUnitarioHomologado": float(bd.win_unit[j]),
                    "valorTotalHomologado": float(bd.win_total[j]),
                    "percentualDesconto": disc,
                    "ordemClassificacaoSrp": 1,
                    "dataResultado": t.dates.result_day.isoformat(),
                    "situacaoCompraItemResultadoId": 1,
                    "situacaoCompraItemResultadoNome": "Informado",
                    "sequencialResultado": 1,
                    "indicadorSubcontratacao": False,
                    "aplicacaoMargemPreferencia": False,
                    "numeroControlePNCPCompra": t.control,
                }
            ],
        }

    def _bid_rows(self, t: _Tender) -> list[tuple[str, ...]]:
        """The generic CSV bid rows: every quote, dated in the proposal window, and a few 'did not quote'."""
        rng, s, ln, bd = self.rng, t.s, t.lines, t.bids
        nb = len(bd.bidders)
        open_d = (t.dates.opens or t.dates.pub_dt).date()
        close_span = max(1, ((t.dates.closes or t.dates.pub_dt).date() - open_d).days)
        prop_days = rng.integers(0, close_span, size=(nb, ln.m))
        rows: list[tuple[str, ...]] = []
        for j in range(ln.m):
            qty_s = f"{ln.qty[j]:.0f}"
            for b in range(nb):
                if (
                    not bd.part[b, j]
                    and s.modality in COMPETITIVE
                    and not (bd.nq[b, j] and rng.random() < 0.1)
                ):
                    continue
                bc = self.w.companies[bd.bidders[b]]
                self.participants.add(bd.bidders[b])
                if bd.part[b, j]:
                    st, up = str(bd.status[b, j]), float(bd.price[b, j])
                else:
                    st, up = "NAO_COTOU", 0.0
                won = bd.has_winner[j] and int(bd.winner_row[j]) == b
                pd_ = open_d + timedelta(days=int(prop_days[b, j]))
                rows.append(
                    (
                        t.control,
                        t.agency.cnpj,
                        str(t.year),
                        str(t.seq),
                        str(j + 1),
                        bc.cnpj,
                        bc.name,
                        "PJ",
                        f"{up:.2f}".replace(".", ","),
                        qty_s,
                        f"{up * ln.qty[j]:.2f}".replace(".", ","),
                        st,
                        "S" if won else "N",
                        pd_.isoformat(),
                    )
                )
        return rows

    # ---- ground truth of one tender ----
    def _label(self, t: _Tender) -> None:
        """Record the tender's planted case or near miss, its piece of a split purchase, its overpricing."""
        s = t.s
        base = {
            "tender_ids": [ids.tender_id(t.control)],
            "item_ids": [ids.item_id(t.control, j + 1) for j in range(t.lines.m)],
            "agency_ids": [ids.agency_id(t.agency.cnpj)],
            "unit_ids": [ids.unit_id(t.agency.cnpj, t.unit.code)],
        }
        by_kind = {
            CARTEL: self._label_cover_bidding,
            NM_GAP: self._label_cover_bidding,
            **dict.fromkeys(LINK_KIND, self._label_link),
            NM_CLUB: self._log_club,
            SHORT: self._label_short_deadline,
            NM_SHORT: self._label_short_deadline,
            SINGLE: self._label_single_bidder,
            NM_TWO: self._label_single_bidder,
            SANCT: self._label_sanctioned_winner,
            NM_SANCT: self._label_sanctioned_winner,
            FRESH_T: self._label_fresh_company,
            NM_YOUNG: self._label_fresh_company,
            DISP_OVER: self._label_dispensa_over_limit,
            NM_DISP: self._label_dispensa_over_limit,
        }
        labeller = by_kind.get(s.kind)
        if labeller is not None:
            labeller(t, base)
        if s.kind in (FRAC, NM_FRAC):
            self._log_split_purchase(t, base)
        self._label_overpricing(t, base)

    def _supplier_ids(self, t: _Tender) -> list[str]:
        """The graph ids of all the tender's bidders."""
        return [self.w.companies[b].graph_id for b in t.bids.bidders]

    def _winner_ids(self, t: _Tender) -> list[str]:
        """The graph ids of the tender's winners, sorted."""
        bd = t.bids
        return sorted(
            {
                self.w.companies[bd.bidders[int(bd.winner_row[j])]].graph_id
                for j in range(t.lines.m)
                if bd.has_winner[j]
            }
        )

    def _label_cover_bidding(self, t: _Tender, base: dict[str, Any]) -> None:
        """A cartel's tender (a case, logged for its rotation) or an efficient firm's wide win (near miss)."""
        s, w = t.s, self.w
        if s.kind == NM_GAP:
            self.truth.near(
                "cover_bidding",
                "an efficient firm wins by 5-15 %; the losing bids are independent and spread as usual",
                band=s.band,
                **base,
                supplier_ids=self._winner_ids(t),
            )
            return
        forced = t.bids.forced
        sup_ids = self._supplier_ids(t)
        log = self.cartel_log[s.ref]
        log["tender_ids"].append(base["tender_ids"][0])
        log["item_ids"].extend(base["item_ids"])
        log["winner_ids"].append(w.companies[forced].graph_id if forced is not None else "")
        gap, spread = bd_.COVER_GAP[s.band], bd_.COVER_SPREAD[s.band]
        self.truth.case(
            "cover_bidding",
            band=s.band,
            **base,
            supplier_ids=sup_ids,
            details={
                "cartel": s.ref,
                "winner_id": w.companies[forced].graph_id if forced is not None else None,
                "cover_ids": [x for x in sup_ids if forced is None or x != w.companies[forced].graph_id],
                "winner_markup_over_fair": "{:.0%}-{:.0%}".format(*(x - 1 for x in bd_.COVER_WINNER_MARKUP)),
                "cover_gap": f"{gap[0]:.0%}-{gap[1]:.0%} over the winner, covers within {spread[1]:.1%}",
            },
        )

    def _label_link(self, t: _Tender, base: dict[str, Any]) -> None:
        """A planted shared partner, address, phone or email between two co-bidders."""
        w = self.w
        lk = w.links[t.s.ref]
        self.truth.case(
            lk.kind,
            **base,
            supplier_ids=[w.companies[x].graph_id for x in lk.members],
            person_ids=lk.person_ids,
            contact_ids=lk.contact_ids,
            # only the linked pair is labelled: the other bidders of the tender are honest
            details={"n_bidders": len(t.bids.bidders)},
        )

    def _log_club(self, t: _Tender, base: dict[str, Any]) -> None:
        """Log an honest club's tender: `finish` labels the club a near miss of bid rotation."""
        self.club_log[t.s.ref].append(base["tender_ids"][0])
        self.club_items[t.s.ref].extend(base["item_ids"])

    def _label_short_deadline(self, t: _Tender, base: dict[str, Any]) -> None:
        """A proposal window under the art. 55 minimum (a case), or exactly at it (a near miss)."""
        s, ln, closes = t.s, t.lines, t.dates.closes
        if s.kind == NM_SHORT:
            self.truth.near(
                "short_deadline",
                "the art. 55 minimum of dias úteis, or one day more",
                band=s.band,
                **base,
                details={
                    "min_business_days": ln.min_days,
                    "business_days": law.business_days_between(s.pub, closes.date()) if closes else None,
                    "object_kind": ln.art55_kind,
                },
            )
            return
        self.truth.case(
            "short_deadline",
            band=s.band,
            **base,
            supplier_ids=[],  # the buyer broke the rule, not the bidders
            details={
                "published": s.pub.isoformat(),
                "proposals_close": closes.date().isoformat() if closes else None,
                "business_days": law.business_days_between(s.pub, closes.date()) if closes else None,
                "weekdays": law.business_days_between(s.pub, closes.date(), holidays=False)
                if closes
                else None,
                "min_business_days": ln.min_days,
                "min_business_days_any_reading": law.art55_min_days_any_reading(ln.art55_kind, ln.criterion),
                "object_kind": ln.art55_kind,
                "criterion": ln.criterion,
            },
        )

    def _label_single_bidder(self, t: _Tender, base: dict[str, Any]) -> None:
        """A competitive tender with one bidder (a case) or with two in every line (a near miss)."""
        if t.s.kind == NM_TWO:
            self.truth.near(
                "single_bidder", "two bidders in every item", **base, supplier_ids=self._supplier_ids(t)
            )
            return
        self.truth.case(
            "single_bidder", **base, supplier_ids=self._supplier_ids(t), details={"modality": t.s.modality}
        )

    def _label_sanctioned_winner(self, t: _Tender, base: dict[str, Any]) -> None:
        """A winner sanctioned on the result date (a case), or not yet or no longer (near miss)."""
        s = t.s
        st_, en_, _cat = self.sanction_dates[s.ref]
        dates = {
            "result_date": t.dates.result_day.isoformat(),
            "sanction_start": st_.isoformat(),
            "sanction_end": en_.isoformat(),
        }
        supplier_ids = [self.w.companies[s.ref].graph_id]
        if s.kind == NM_SANCT:
            self.truth.near(
                "sanctioned_winner",
                "the winner's sanction is not in force on the result date",
                **base,
                supplier_ids=supplier_ids,
                details=dates,
            )
            return
        self.truth.case(
            "sanctioned_winner", **base, supplier_ids=supplier_ids, details={**dates, "registry": "CEIS"}
        )

    def _label_fresh_company(self, t: _Tender, base: dict[str, Any]) -> None:
        """A winner founded days before the edital (a case), or over a year before winning (a near miss)."""
        s, result_day = t.s, t.dates.result_day
        supplier_ids = [self.w.companies[s.ref].graph_id]
        if s.kind == NM_YOUNG:
            fnd = self.w.companies[s.ref].founded
            self.truth.near(
                "fresh_company",
                f"founded more than {bd_.FRESH_MAX_AGE_DAYS} days before the edital",
                band=s.band,
                **base,
                supplier_ids=supplier_ids,
                details={
                    "founded": fnd.isoformat(),
                    "days_before_edital": (s.pub - fnd).days,
                    "days_before_result": (result_day - fnd).days,
                },
            )
            return
        founded = self.fresh_founded[s.ref]
        self.truth.case(
            "fresh_company",
            band=s.band,
            **base,
            supplier_ids=supplier_ids,
            details={
                "founded": founded.isoformat(),
                "result_date": result_day.isoformat(),
                "days_before_edital": (s.pub - founded).days,
                "days_before_result": (result_day - founded).days,
                "published": s.pub.isoformat(),
            },
        )

    def _label_dispensa_over_limit(self, t: _Tender, base: dict[str, Any]) -> None:
        """A dispensa over the art. 75 limit of its year (a case), or just under it (a near miss)."""
        s = t.s
        limit = law.dispensa_limit(t.year, inciso_nature(s.segment))
        if s.kind == NM_DISP:
            self.truth.near(
                "dispensa_over_limit",
                "value just under the limit of its year",
                band=s.band,
                **base,
                supplier_ids=self._winner_ids(t),
                details={"value": t.estimated, "limit": limit, "ratio": round(t.estimated / limit, 4)},
            )
            return
        self.truth.case(
            "dispensa_over_limit",
            band=s.band,
            **base,
            supplier_ids=self._winner_ids(t),
            details={
                "year": t.year,
                "amparo_legal": _amparo(s),
                "value": t.homologated,
                "estimated": t.estimated,
                "limit": limit,
                "ratio": round(t.homologated / limit, 4),
            },
        )

    def _log_split_purchase(self, t: _Tender, base: dict[str, Any]) -> None:
        """Log a piece of a split purchase (or of its near miss): `finish` labels the group."""
        s, bd = t.s, t.bids
        self.frac_log.setdefault(("frac" if s.kind == FRAC else "nm", s.ref), []).append(
            {
                "tender_id": base["tender_ids"][0],
                "item_ids": base["item_ids"],
                "value": t.estimated,
                "homologated": t.homologated,
                "winner": bd.bidders[int(bd.winner_row[0])],
                "agency_id": base["agency_ids"][0],
                "unit_id": base["unit_ids"][0],
                "year": t.year,
                "nature": inciso_nature(s.segment),
                "segment": s.segment,
                "band": s.band,
            }
        )

    def _label_overpricing(self, t: _Tender, base: dict[str, Any]) -> None:
        """Each homologated overpriced line (a case) or overpricing near miss, with its catalog reference."""
        ln, bd = t.lines, t.bids
        for j in np.flatnonzero(ln.over != 0):
            if not bd.has_winner[j]:
                continue
            c = ln.classes[j]
            entry = dict(
                band=ln.band[j],
                tender_ids=[base["tender_ids"][0]],
                item_ids=[base["item_ids"][j]],
                agency_ids=base["agency_ids"],
                supplier_ids=[self.w.companies[bd.bidders[int(bd.winner_row[j])]].graph_id],
                details={
                    "catalog_code": c.code,
                    "unit": c.unit,
                    "unit_price": float(bd.win_unit[j]),
                    "reference_median_price": c.price,
                    "factor_over_fair": round(float(ln.factor[j]), 3),
                    "sd_over_honest_spread": round(float(ln.sd_over[j]), 2),
                },
            )
            if ln.over[j] == 1:
                self.truth.case("overpricing", **entry)
            else:
                self.truth.near(
                    "overpricing",
                    "above the median but inside the honest spread between buyers (2-3 sd)",
                    **entry,
                )

    def finish(self) -> None:
        """Cases that span tenders: cartels (bid rotation) and split purchases (fracionamento)."""
        w, tr = self.w, self.truth
        for k, log in enumerate(self.cartel_log):
            if len(log["tender_ids"]) < 2:
                continue
            c = w.cartels[k]
            tr.case(
                "bid_rotation",
                tender_ids=log["tender_ids"],
                item_ids=log["item_ids"],
                supplier_ids=[w.companies[x].graph_id for x in c.members],
                details={
                    "segment": c.segment,
                    "winners_in_order": log["winner_ids"],
                    "agency_ids": [ids.agency_id(w.agencies[a].cnpj) for a in c.agencies],
                },
            )
        for k, t_ids in enumerate(self.club_log):
            if len(t_ids) >= 2:
                tr.near(
                    "bid_rotation",
                    "a stable group of honest firms that bid together; prices are competitive "
                    "and the cheapest wins",
                    tender_ids=t_ids,
                    item_ids=self.club_items[k],
                    supplier_ids=[w.companies[x].graph_id for x in w.clubs[k].members],
                )
        for (tag, _g), parts in sorted(self.frac_log.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            first = parts[0]
            total = round(sum(x["value"] for x in parts), 2)
            homologated = round(sum(x["homologated"] for x in parts), 2)
            limit = law.dispensa_limit(first["year"], first["nature"])
            entry = dict(
                band=first["band"],
                tender_ids=[x["tender_id"] for x in parts],
                item_ids=[i for x in parts for i in x["item_ids"]],
                agency_ids=[first["agency_id"]],
                unit_ids=[first["unit_id"]],
                supplier_ids=sorted({w.companies[x["winner"]].graph_id for x in parts}),
                details={
                    "year": first["year"],
                    "nature": first["nature"],
                    "segment": first["segment"],
                    "sum_estimated": total,
                    "sum_homologated": homologated,
                    "limit": limit,
                    "ratio": round((homologated if tag == "frac" else total) / limit, 4),
                    "values": [x["value"] for x in parts],
                },
            )
            if tag == "frac":
                # a case on the contracted (homologated) sum; a group cut short in a tiny world is not a case
                if len(parts) >= 2 and homologated > limit:
                    tr.case("fracionamento", **entry)
            else:
                tr.near(
                    "fracionamento",
                    "several dispensas of one unit and nature whose yearly sum stays under the limit",
                    **entry,
                )
