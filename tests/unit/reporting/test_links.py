"""Signed console links: valid, expired, tampered, wrong secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from core.settings import Settings
from reporting.keys import key_hash
from reporting.links import case_link_state, case_url, verify_case_link

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FID = "finding:0123456789abcdef0123"


def _settings(**kw: object) -> Settings:
    base: dict[str, object] = {"environment": "local", "api_public_url": "https://risco.cge.go.gov.br/",
                               "api_key_secret": "s3cret-one", "console_link_ttl_s": 3600}
    return Settings(_env_file=None, **{**base, **kw})  # type: ignore[call-arg, arg-type]


def _parts(url: str) -> tuple[str, str, int, str]:
    u = urlsplit(url)
    q = parse_qs(u.query)
    return f"{u.scheme}://{u.netloc}", u.path, int(q["exp"][0]), q["sig"][0]


def test_url_shape_and_valid_link() -> None:
    s = _settings()
    base, path, exp, sig = _parts(case_url(s, FID, now=NOW))
    assert base == "https://risco.cge.go.gov.br"
    assert path == f"/console/cases/{FID}"
    assert exp == int(NOW.timestamp()) + 3600
    assert len(sig) == 64 and int(sig, 16) >= 0
    assert verify_case_link(s, FID, exp, sig, now=NOW)
    assert verify_case_link(s, FID, str(exp), sig, now=NOW + timedelta(seconds=3599))


def test_default_ttl_is_seven_days() -> None:
    s = Settings(_env_file=None, environment="local")  # type: ignore[call-arg]
    _, _, exp, _ = _parts(case_url(s, FID, now=NOW))
    assert exp - int(NOW.timestamp()) == 7 * 24 * 3600


def test_expired_link_is_refused() -> None:
    s = _settings()
    _, _, exp, sig = _parts(case_url(s, FID, now=NOW))
    later = NOW + timedelta(seconds=3600)
    assert not verify_case_link(s, FID, exp, sig, now=later)
    assert case_link_state(s, FID, exp, sig, now=later) == "expired"


def test_tampered_id_or_exp_is_refused() -> None:
    s = _settings()
    _, _, exp, sig = _parts(case_url(s, FID, now=NOW))
    assert not verify_case_link(s, "finding:0123456789abcdef0124", exp, sig, now=NOW)
    assert not verify_case_link(s, FID, exp + 86400, sig, now=NOW)
    assert not verify_case_link(s, FID, f"0{exp}", sig, now=NOW)
    assert not verify_case_link(s, FID, "soon", sig, now=NOW)
    assert not verify_case_link(s, FID, exp, sig[:-1] + ("0" if sig[-1] != "0" else "1"), now=NOW)
    assert not verify_case_link(s, FID, None, sig, now=NOW)
    assert not verify_case_link(s, FID, exp, "", now=NOW)
    assert not verify_case_link(s, FID, exp, "é" * 64, now=NOW)


def test_wrong_secret_is_refused_and_admin_key_is_the_fallback() -> None:
    signed = _settings()
    _, _, exp, sig = _parts(case_url(signed, FID, now=NOW))
    assert not verify_case_link(_settings(api_key_secret="another"), FID, exp, sig, now=NOW)
    # without LICITAGRAPH_API_KEY_SECRET the admin key signs, as it hashes the API keys
    a = _settings(api_key_secret=None, api_admin_key="admin-1")
    _, _, exp, sig = _parts(case_url(a, FID, now=NOW))
    assert verify_case_link(a, FID, exp, sig, now=NOW)
    assert not verify_case_link(_settings(api_key_secret=None, api_admin_key="admin-2"), FID, exp, sig, now=NOW)


def test_signature_is_not_a_key_hash() -> None:
    s = _settings()
    _, _, exp, sig = _parts(case_url(s, FID, now=NOW))
    assert sig != key_hash(FID, "s3cret-one") and sig != key_hash(f"{FID}\n{exp}", "s3cret-one")


def test_link_state_tells_expired_from_invalid() -> None:
    s = _settings()
    _, _, exp, sig = _parts(case_url(s, FID, now=NOW))
    assert case_link_state(s, FID, exp, sig, now=NOW) == "valid"
    assert case_link_state(s, FID, exp, sig, now=NOW + timedelta(days=1)) == "expired"
    # a forged expiry is invalid, not expired, even when it is past
    assert case_link_state(s, FID, exp - 7200, sig, now=NOW) == "invalid"
    assert case_link_state(_settings(api_key_secret="x"), FID, exp, sig, now=NOW + timedelta(days=1)) == "invalid"


def test_pncp_url_from_control_number() -> None:
    from reporting.links import pncp_url

    assert pncp_url("01409580000138-1-000123/2025") == "https://pncp.gov.br/app/editais/01409580000138/2025/123"
    assert pncp_url(" 01409580000138-1-000001/2024 ") == "https://pncp.gov.br/app/editais/01409580000138/2024/1"
    assert pncp_url("tender:bids_tcerj:77") is None
    assert pncp_url(None) is None and pncp_url("") is None
    assert pncp_url("1409580000138-1-000123/2025") is None  # 13 digits: not a CNPJ
