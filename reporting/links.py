"""Signed links to the investigator console, for alert emails: a mail client sends no API key.

`case_url` gives `{api_public_url}/console/cases/{finding_id}?exp=<unix seconds>&sig=<hex>`, where `sig` is
HMAC-SHA256 over the finding id and the expiry, keyed with the same server-side secret that hashes the API
keys (`settings.key_hash_secret`: `LICITAGRAPH_API_KEY_SECRET`, else the admin key). Rotating that secret
invalidates every link already sent. A link opens one finding's case page (and its picture) and nothing
else; it is valid for `settings.console_link_ttl_s` seconds (7 days by default).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote, urlencode

from core.settings import Settings

# Domain separation: the same secret also keys the API key hashes (reporting/keys.py); a signature made
# here can never equal one of those hashes, nor a signature for another purpose.
_PURPOSE = "licitagraph/console-case/v1"


def _now_s(now: datetime | None) -> int:
    return int((now or datetime.now(UTC)).timestamp())


def case_signature(secret: str, finding_id: str, exp: int) -> str:
    """HMAC-SHA256 (hex) of the finding id and the expiry."""
    message = f"{_PURPOSE}\n{finding_id}\n{exp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def case_path(finding_id: str) -> str:
    """The case page's path, the finding id escaped for a URL path."""
    return f"/console/cases/{quote(finding_id, safe=':')}"


def case_url(settings: Settings, finding_id: str, *, now: datetime | None = None) -> str:
    """An absolute, signed link to the case page of `finding_id`, valid for `console_link_ttl_s` seconds."""
    exp = _now_s(now) + settings.console_link_ttl_s
    sig = case_signature(settings.key_hash_secret, finding_id, exp)
    base = settings.api_public_url.rstrip("/")
    return f"{base}{case_path(finding_id)}?{urlencode({'exp': exp, 'sig': sig})}"


LinkState = Literal["valid", "expired", "invalid"]


def case_link_state(settings: Settings, finding_id: str, exp: int | str | None, sig: str | None, *,
                    now: datetime | None = None) -> LinkState:
    """`valid`; `expired` (a genuine link whose time is past: the page says how to get a new one); or
    `invalid` (missing, malformed, or not signed with this server's secret)."""
    if exp is None or not sig or len(sig) > 128:
        return "invalid"
    try:
        exp_s = int(exp)
    except (TypeError, ValueError):
        return "invalid"
    if str(exp_s) != str(exp).strip():
        return "invalid"
    expected = case_signature(settings.key_hash_secret, finding_id, exp_s)
    if not hmac.compare_digest(expected.encode(), sig.lower().encode("ascii", "replace")):
        return "invalid"
    return "valid" if _now_s(now) < exp_s else "expired"


def verify_case_link(settings: Settings, finding_id: str, exp: int | str | None, sig: str | None, *,
                     now: datetime | None = None) -> bool:
    """True when `sig` signs `finding_id` and `exp` with the server secret (constant-time compare) and `exp`
    is not past."""
    return case_link_state(settings, finding_id, exp, sig, now=now) == "valid"


_CONTROL_NUMBER = re.compile(r"^(\d{14})-\d+-(\d{1,10})/(\d{4})$")


def pncp_url(control_number: str | None) -> str | None:
    """The PNCP page of a contratação from its control number: `<cnpj>-1-<seq>/<ano>` ->
    `https://pncp.gov.br/app/editais/<cnpj>/<ano>/<seq without leading zeros>`; None for anything else."""
    m = _CONTROL_NUMBER.match((control_number or "").strip())
    if not m:
        return None
    cnpj, seq, year = m.groups()
    return f"https://pncp.gov.br/app/editais/{cnpj}/{year}/{int(seq)}"
