"""Partner CPFs are only ever shown masked (`***123456**`, digits 4-9 kept, as Receita publishes them).

The data should already hold masked CPFs; this guard re-masks at the response level anything in Person
data (and any field whose name mentions a CPF) that looks like a full CPF: 11 digits, bare or formatted
`123.456.789-01`. It runs on every subject, network node and finding the API returns.
"""

from __future__ import annotations

from typing import Any

from core.domain import CPF_RE, mask_cpf_everywhere, mask_cpf_text

__all__ = ["CPF_RE", "guard", "mask_cpf_everywhere", "mask_cpf_text"]


def guard(value: Any, *, person: bool = False) -> Any:
    """Re-mask CPFs in `value`: everywhere when it is Person data (or a PF supplier), and in any field
    whose name mentions `cpf` otherwise. Dicts with `label`/`_labels` Person are detected on the way."""
    if isinstance(value, list):
        return [guard(v, person=person) for v in value]
    if not isinstance(value, dict):
        return mask_cpf_everywhere(value) if person and isinstance(value, str) else value
    labels = value.get("_labels") or [value.get("label")]
    is_person = (
        person
        or "Person" in labels
        or str(value.get("id", "")).startswith(("person:", "supplier:pf:"))
        or value.get("person_type") == "PF"
    )
    out: dict[str, Any] = {}
    for k, v in value.items():
        if is_person or "cpf" in k.lower():
            out[k] = mask_cpf_everywhere(v)
        else:
            out[k] = guard(v)
    return out
