"""An event's life: draft -> published <-> closed; published/closed -> cancelled; back to
draft while nobody has signed up; and what an organiser should know before publishing."""
from dataclasses import dataclass

from .errors import InvalidTransition, NotADraft, PeopleSignedUp

TRANSITIONS = {
    "publish": ({"draft"}, "published"),
    "close": ({"published"}, "closed"),
    "reopen": ({"closed"}, "published"),
    # A draft is deleted, not cancelled: nobody has been told about it.
    "cancel": ({"published", "closed"}, "cancelled"),
    "unpublish": ({"published", "closed"}, "draft"),
}


def next_status(current: str, action: str, signed_up: int = 0) -> str:
    """The status after `action`. `signed_up` (active registrations) matters only for going
    back to draft: once someone has signed up, the event stays public (close or cancel it)."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise InvalidTransition()
    if action == "unpublish" and signed_up:
        raise PeopleSignedUp(signed_up)
    return target


def can_return_to_draft(current: str, signed_up: int) -> bool:
    try:
        next_status(current, "unpublish", signed_up)
    except (InvalidTransition, PeopleSignedUp):
        return False
    return True


def ensure_deletable(status: str) -> None:
    """Only drafts are deleted; anything people could sign up for is cancelled instead."""
    if status != "draft":
        raise NotADraft()


# What to check before publishing (warnings, not refusals: the organiser decides).
SESSION_WITHOUT_LEAD = "session_without_lead"
BLOCK_WITHOUT_SESSIONS = "block_without_sessions"
NO_SESSIONS = "no_sessions"
NO_CONTACT = "no_contact"


@dataclass(frozen=True)
class PublishWarning:
    code: str
    subject: str = ""  # the title of the session or pass concerned, if any
    about: object = None  # that session or pass itself, for a link to fix it


def publish_warnings(blocks, contact_email):
    """What goes live incomplete. `blocks`: the event's parallel blocks (pass), each with a
    `title` and `sessions`, each session with a `title` and `leads`."""
    warnings = []
    if not blocks:
        warnings.append(PublishWarning(NO_SESSIONS))
    for block in blocks:
        if not block.sessions:
            warnings.append(PublishWarning(BLOCK_WITHOUT_SESSIONS, block.title, block))
        warnings += [PublishWarning(SESSION_WITHOUT_LEAD, session.title, session)
                     for session in block.sessions if not session.leads]
    if not (contact_email or "").strip():
        warnings.append(PublishWarning(NO_CONTACT))
    return warnings
