"""API keys and roles: keys are random, shown once, and stored only as a keyed hash.

A key looks like `lg_<prefix>_<secret>`; the store keeps the prefix (its public id) and
HMAC-SHA256(server secret, key). The server secret is the admin key from settings (the only server-side
secret the settings hold today), so rotating the admin key invalidates every other key: documented in
docs/api.md. The local admin key itself (`settings.admin_api_key`) is bootstrapped into the store at start.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import IntEnum

ADMIN_KEY_ID = "admin"


class Role(IntEnum):
    """Ordered roles: each one can do everything the lower ones can."""

    reader = 1
    investigator = 2
    admin = 3


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    name: str

    def can(self, needed: Role) -> bool:
        return self.role >= needed


def key_hash(key: str, secret: str) -> str:
    """The keyed hash stored for `key` (HMAC-SHA256 with the server secret, hex)."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh (key id, full key) pair; the full key is returned to the caller once and never stored."""
    prefix = secrets.token_hex(4)
    return f"lg_{prefix}", f"lg_{prefix}_{secrets.token_urlsafe(32)}"
