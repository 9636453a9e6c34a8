"""A small synthetic bidding market with a planted cartel, in the García bids format.

Used by the tests and the benchmark. Honest tenders draw their bidders at random from the honest firms;
a cartel of `cartel_size` firms bids together (with a random outsider or two) and rotates the wins. With
`same_prices=True` every tender's prices come from one distribution, so the screens cannot tell the
cartel apart and only the graph (who bids with whom) can.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def toy_bids(
    n_tenders: int = 120,
    n_firms: int = 60,
    cartel_size: int = 5,
    cartel_share: float = 0.3,
    bidders: tuple[int, int] = (3, 7),
    same_prices: bool = True,
    anonymous_share: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Columns tender, firm, bid, winner, label (one row per bid)."""
    rng = np.random.default_rng(seed)
    cartel = [f"f{i}" for i in range(cartel_size)]
    honest = [f"f{i}" for i in range(cartel_size, n_firms)]
    rows = []
    turn = 0
    for t in range(n_tenders):
        collusive = rng.random() < cartel_share
        n = int(rng.integers(bidders[0], bidders[1] + 1))
        if collusive:
            k = min(n - 1, cartel_size) if n > cartel_size else n
            firms = list(rng.choice(cartel, size=min(k, cartel_size), replace=False))
            firms += list(rng.choice(honest, size=n - len(firms), replace=False))
        else:
            firms = list(rng.choice(honest, size=n, replace=False))
        est = float(rng.lognormal(12, 1))
        if collusive and not same_prices:
            prices = est * (1.0 + np.sort(rng.normal(0.02, 0.005, n)))
        else:
            prices = est * (1.0 + rng.normal(0.05, 0.08, n))
        order = np.argsort(prices)
        winner = order[0]
        if collusive:
            # rotation: the designated member takes the lowest price
            member = cartel[turn % cartel_size]
            turn += 1
            if member in firms:
                j = firms.index(member)
                prices[[j, winner]] = prices[[winner, j]]
                winner = j
        anon = rng.random(n) < anonymous_share
        for i, (f, p) in enumerate(zip(firms, prices, strict=True)):
            rows.append(
                {
                    "tender": f"t{t}",
                    "firm": None if anon[i] else str(f),
                    "bid": float(p),
                    "winner": i == winner,
                    "label": int(collusive),
                }
            )
    return pd.DataFrame(rows)
