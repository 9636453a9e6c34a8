"""The review queue's order: risk mixed with what a verdict would teach the model.

One definition for the live queue (`GET /v1/review-queue`, `licitagraph review-queue`) and for the
simulated investigators of `licitagraph evaluate --simulate-verdicts`, so the curves measure the queue
that auditors get.

Priority = (1 - mix) * risk + mix * uncertainty, where uncertainty = 1 - |2p - 1| is largest where the
model's probability p of collusion is 0.5 (uncertainty sampling: the verdict that moves the model most is
the one it is least sure of; Lewis & Gale 1994, Settles 2009). mix = 0 is a pure risk queue, mix = 1 pure
active learning. Without a model probability the uncertainty is taken as 0 and the queue is risk-ordered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypeVar

DEFAULT_MIX = 0.5

T = TypeVar("T")


def uncertainty(probability: float | None) -> float:
    """1 at p = 0.5, 0 at p = 0 or 1; 0 when there is no probability."""
    if probability is None or not math.isfinite(probability):
        return 0.0
    p = min(1.0, max(0.0, probability))
    return 1.0 - abs(2.0 * p - 1.0)


def priority(risk: float | None, probability: float | None, mix: float = DEFAULT_MIX) -> float:
    """The queue's sort key (higher first); risk and probability in [0, 1]."""
    if not 0.0 <= mix <= 1.0:
        raise ValueError(f"the review queue mix must lie in [0, 1], not {mix}")
    r = 0.0 if risk is None or not math.isfinite(risk) else min(1.0, max(0.0, risk))
    return (1.0 - mix) * r + mix * uncertainty(probability)


def order(
    items: Iterable[T],
    risk: Sequence[float | None],
    probability: Sequence[float | None],
    mix: float = DEFAULT_MIX,
) -> list[T]:
    """Items in queue order: priority descending, then the input order (a stable tie-break)."""
    listed = list(items)
    if not len(listed) == len(risk) == len(probability):
        raise ValueError("items, risk and probability must have one entry each")
    keys = [priority(r, p, mix) for r, p in zip(risk, probability, strict=True)]
    ranked = sorted(range(len(listed)), key=lambda i: (-keys[i], i))
    return [listed[i] for i in ranked]
