"""The activity log: written inside the transaction of the change it describes."""
from ..extensions import db
from ..models import ActivityEntry


def log_activity(event_id, actor, action, summary, now, **details):
    db.session.add(ActivityEntry(
        event_id=event_id,
        user_id=getattr(actor, "id", None),
        action=action,
        summary=(summary or "")[:500],
        details=details,
        created_at=now,
    ))
