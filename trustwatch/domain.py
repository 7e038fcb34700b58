"""Domain types shared by connectors, the classifier job, the SLA engine and the loader.

Every platform record is normalised to one `CanonicalItem` before it reaches the
warehouse; the raw payload rides along so nothing the platform said is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from trustwatch.registry import Platform


class ItemKind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"
    VISITOR_POST = "visitor_post"
    REVIEW = "review"
    DM = "dm"


class CanonicalItem(BaseModel):
    """One post, comment, reply, mention, visitor post, review or DM from any platform."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    external_id: str = Field(min_length=1, max_length=128)
    kind: ItemKind
    stream: str = Field(min_length=1, max_length=60)
    account_platform_id: str | None = Field(
        None, description="the school account the item is on or addressed to"
    )
    # Limits are the warehouse columns': PostgreSQL refuses a longer value, and one such
    # record would fail its whole batch; here it fails alone, into quarantine.
    parent_external_id: str | None = Field(None, max_length=128)
    thread_root_external_id: str | None = Field(None, max_length=128)
    author_platform_id: str | None = Field(None, max_length=128)
    author_handle: str | None = Field(None, max_length=200)
    author_display_name: str | None = Field(None, max_length=300)
    author_profile_url: str | None = Field(None, max_length=500)
    is_from_school: bool = False
    text: str = ""
    language: str | None = Field(None, max_length=16)
    created_at: AwareDatetime
    url: str | None = Field(None, max_length=1000)
    is_deleted: bool = False
    raw: dict[str, Any] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _to_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)

    def content_hash(self) -> str:
        """A digest of what the platform said; unchanged re-fetches leave the row untouched."""
        body = {
            "kind": self.kind.value,
            "text": self.text,
            "parent": self.parent_external_id,
            "root": self.thread_root_external_id,
            "deleted": self.is_deleted,
            "account": self.account_platform_id,
            "raw": self.raw,
        }
        encoded = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()
