"""Where the synthetic world puts each planted case relative to its rule's boundary.

The world is a smoke test of the pipeline, not evidence of detection quality, so planted cases must not sit at
one comfortable point far from the threshold. For every pattern with a legal or numeric boundary the world
plants cases in two bands past it (`far`: well past, `just_past`: a little past) and honest near misses just
short of it (`just_short`), each value drawn from a range. The boundaries are the world's own reading of the
rules (the law values in synth/law.py, the price model of synth/market.py); nothing here comes from the
detectors, which derive their own cut-offs (tests/unit/synth/test_independent_copies.py).

Ranges are (low, high) for a uniform draw.
"""

from __future__ import annotations

FAR, JUST_PAST, JUST_SHORT, FAR_SHORT = "far", "just_past", "just_short", "far_short"
PAST_BANDS = (FAR, JUST_PAST)


def past_band(k: int) -> str:
    """The band of the k-th planted case of a pattern: alternating, so that a pattern with two or more cases
    has both bands."""
    return PAST_BANDS[k % 2]


# dispensa_over_limit: the homologated value over the art. 75 limit of its year
DISPENSA_OVER_RATIO = {FAR: (1.3, 2.2), JUST_PAST: (1.003, 1.06)}
DISPENSA_NEAR_RATIO = (
    0.95,
    0.995,
)  # near misses: the estimate (and so the homologated value) under the limit

# fracionamento: the yearly sum of one unit's homologated dispensas of one inciso, over the limit, each piece under it
FRACIONAMENTO_SUM_RATIO = {FAR: (1.3, 2.4), JUST_PAST: (1.01, 1.08)}
FRACIONAMENTO_MAX_PIECE = 0.85  # of the limit: every piece stays clearly under it
FRACIONAMENTO_NEAR_SUM_RATIO = (0.9, 0.98)

# short_deadline: weekdays (holidays counted as working days, so every way of counting agrees) short of the
# most lenient art. 55 minimum: far = at most minimum - 3, just past = exactly one day short
SHORT_DEADLINE_FAR_MAX_GAP = 3
# near misses: exactly the art. 55 minimum of dias úteis, or one day more
SHORT_DEADLINE_NEAR_EXTRA_DAYS = (0, 1)

# fresh_company: the world's reading of a fresh company is one founded within six months of the edital
FRESH_MAX_AGE_DAYS = 180
FRESH_AGE_DAYS = {FAR: (1, 30), JUST_PAST: (140, 178)}  # days from founding to the edital
FRESH_NEAR_AGE_DAYS = {JUST_SHORT: (185, 260), FAR_SHORT: (400, 1100)}

# overpricing: how far the item's price sits outside the honest spread between buyers, in standard deviations
# of the honest winning log price of its class (class spread and bid noise together, synth/market.py). An honest
# winning price passes 3.1 sd about once in a thousand; planted cases start at 4 (about once in 30,000)
OVERPRICING_SD = {FAR: (6.0, 8.0), JUST_PAST: (4.0, 4.6)}
OVERPRICING_FAR_MIN_FACTOR = 2.0  # a far case is also at least twice the median
OVERPRICING_NEAR_SD = (2.0, 3.0)  # near misses: inside the honest spread, in its upper tail
BID_NOISE_SD = (
    0.05  # sd of the log of an honest winning bid over the buyer's fair price (cost noise, min of margins)
)

# cover_bidding: the gap from the winner to the best cover, and how tightly the covers cluster above it.
# Honest bids spread with a coefficient of variation of about 8 %; far cartels leave a wide gap over tight
# covers, just-past cartels a narrow gap over looser covers, close to honest bidding
COVER_GAP = {FAR: (0.08, 0.14), JUST_PAST: (0.03, 0.06)}
COVER_SPREAD = {FAR: (0.0, 0.02), JUST_PAST: (0.0, 0.035)}
COVER_WINNER_MARKUP = (1.05, 1.30)  # the winner's price over the fair price
# near misses: one efficient firm undercuts independent rivals by 5-15 % (a gap without clustered covers)
COVER_NEAR_UNDERCUT = (0.85, 0.95)
