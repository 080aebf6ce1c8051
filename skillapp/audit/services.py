"""Writing audit events. Callers pass who and where; no request access here."""

from sqlalchemy.orm import Session

from skillapp.audit.models import AuditEvent


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: object = "",
    ip: str = "",
    **detail,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_user_id=actor_id,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        ip=ip or "",
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event
