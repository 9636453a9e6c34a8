"""`/v1/keys`: API keys (admin only). A new key is shown once; the store keeps only its keyed hash."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status

from api.deps import AUTH_RESPONSES, AdminKey, StoreDep
from api.schemas import KEY_ID_PATTERN, ApiKey, ApiKeyCreated, ApiKeyIn
from reporting.keys import ADMIN_KEY_ID, Role

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=AUTH_RESPONSES)


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, summary="Create an API key")
def create_key(store: StoreDep, _: AdminKey, body: ApiKeyIn) -> dict[str, Any]:
    record, key = store.create_key(body.name, Role[body.role])
    return {**record, "key": key}


@router.get("", response_model=list[ApiKey], summary="API keys (never the secret)")
def list_keys(store: StoreDep, _: AdminKey) -> list[dict[str, Any]]:
    return store.list_keys()


@router.delete("/{key_id}", response_model=ApiKey, summary="Revoke an API key",
               responses={404: {"description": "unknown id"}, 409: {"description": "the settings' admin key"}})
def revoke_key(store: StoreDep, _: AdminKey,
               key_id: Annotated[str, Path(pattern=KEY_ID_PATTERN, examples=["lg_1a2b3c4d"])]) -> dict[str, Any]:
    if key_id == ADMIN_KEY_ID:
        raise HTTPException(status.HTTP_409_CONFLICT, "the admin key comes from settings; change it there")
    got = store.revoke_key(key_id)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no key {key_id}")
    return got
