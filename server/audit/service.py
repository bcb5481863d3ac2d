"""Writing the audit trail: one entry per action, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from server.accounts.models import User
from server.audit.models import AuditEntry
from server.extensions import db


def audit(*, actor: User | None, action: str, subject: str, now: datetime,
          subject_id: int | None = None, user_id: int | None = None,
          person_id: int | None = None, community_id: int | None = None,
          data: dict | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, subject=subject,
                       subject_id=subject_id, user_id=user_id, person_id=person_id,
                       community_id=community_id, data=data, created_at=now)
    db.session.add(entry)
    return entry
