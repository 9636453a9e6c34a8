"""Brazilian documents (CNPJ, CPF) with valid check digits, and the graph ids of core/tables.py."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

_CNPJ_W1 = np.array([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
_CNPJ_W2 = np.array([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])


def _dv(digits: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r = (digits * weights).sum(axis=1) % 11
    return np.where(r < 2, 0, 11 - r)


def cnpjs_from_basico(basico: np.ndarray, ordem: int = 1) -> list[str]:
    """Full 14-digit CNPJs (valid check digits) for an array of 8-digit roots and one branch order."""
    basico = np.asarray(basico, dtype=np.int64)
    d = np.zeros((len(basico), 14), dtype=np.int64)
    for k in range(8):
        d[:, 7 - k] = (basico // 10**k) % 10
    for k in range(4):
        d[:, 11 - k] = (ordem // 10**k) % 10
    d[:, 12] = _dv(d[:, :12], _CNPJ_W1)
    d[:, 13] = _dv(d[:, :13], _CNPJ_W2)
    return ["".join(map(str, row)) for row in d]


def cpfs_from_base(base: np.ndarray) -> list[str]:
    """Full 11-digit CPFs (valid check digits) from 9-digit bases."""
    base = np.asarray(base, dtype=np.int64)
    d = np.zeros((len(base), 11), dtype=np.int64)
    for k in range(9):
        d[:, 8 - k] = (base // 10**k) % 10
    r1 = (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1) * 10 % 11
    d[:, 9] = np.where(r1 == 10, 0, r1)
    r2 = (d[:, :10] * np.arange(11, 1, -1)).sum(axis=1) * 10 % 11
    d[:, 10] = np.where(r2 == 10, 0, r2)
    return ["".join(map(str, row)) for row in d]


def cnpj_valid(cnpj: str) -> bool:
    if not re.fullmatch(r"\d{14}", cnpj) or len(set(cnpj)) == 1:
        return False
    d = np.array([list(map(int, cnpj))])
    return bool(_dv(d[:, :12], _CNPJ_W1)[0] == d[0, 12] and _dv(d[:, :13], _CNPJ_W2)[0] == d[0, 13])


def cpf_valid(cpf: str) -> bool:
    if not re.fullmatch(r"\d{11}", cpf) or len(set(cpf)) == 1:
        return False
    return cpfs_from_base(np.array([int(cpf[:9])]))[0] == cpf


def mask_cpf(cpf: str) -> str:
    """Receita's masking of a partner CPF: digits 4-9 kept (`***123456**`)."""
    return f"***{cpf[3:9]}**"


def ascii_upper(text: str) -> str:
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", t.upper()).strip()


def name_key(name: str) -> str:
    """Upper case, no accents, non-alphanumerics collapsed to `_` (the `<name key>` of person ids, as the ETL)."""
    return re.sub(r"[^A-Z0-9]+", "_", ascii_upper(name)).strip("_")


# ---- graph ids (core/tables.py) ----
def tender_id(control_number: str) -> str:
    return f"tender:{control_number}"


def item_id(control_number: str, numero_item: int) -> str:
    return f"item:{control_number}:{numero_item}"


def supplier_id(cnpj14: str) -> str:
    return f"supplier:{cnpj14}"


def agency_id(cnpj14: str) -> str:
    return f"agency:{cnpj14}"


def unit_id(agency_cnpj: str, code: str) -> str:
    return f"unit:{agency_cnpj}:{code}"


def person_id(masked_cpf: str, name: str) -> str:
    return f"person:{masked_cpf.strip('*')}:{name_key(name)}"


def phone_id(ddd: str, number: str) -> str:
    return f"phone:{ddd}{number}"


def email_id(email: str) -> str:
    return f"email:{email.lower()}"


def address_normalized(
    street_type: str, street: str, number: str, cep: str, municipality_ibge: str, uf: str
) -> str:
    """The key text an Address id hashes, as the ETL builds it (etl/build.py `_contacts`):
    `<TIPO LOGRADOURO> | <NUMERO, S/N -> SN> | <CEP digits> | <IBGE code> | <UF>` (complement and district
    are kept on the node but are not part of the key)."""
    num = ascii_upper(number)
    num = "SN" if re.fullmatch(r"S/N|S N|SN|S\.N\.?|SEM NUMERO", num) else num
    parts = [ascii_upper(f"{street_type} {street}"), num, re.sub(r"\D", "", cep), municipality_ibge, uf]
    return " | ".join(p for p in parts if p)


def address_id(normalized: str) -> str:
    return "address:" + hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:16]


def sanction_id(registry: str, fields: list[str]) -> str:
    return f"sanction:{registry.lower()}:" + hashlib.sha1("|".join(fields).encode("utf-8")).hexdigest()[:16]
