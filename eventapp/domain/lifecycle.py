"""An event's life: draft -> published <-> closed; published/closed -> cancelled."""
from .errors import InvalidTransition, NotADraft

TRANSITIONS = {
    "publish": ({"draft"}, "published"),
    "close": ({"published"}, "closed"),
    "reopen": ({"closed"}, "published"),
    "cancel": ({"draft", "published", "closed"}, "cancelled"),
}


def next_status(current: str, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise InvalidTransition()
    return target


def ensure_deletable(status: str) -> None:
    """Only drafts are deleted; anything people could sign up for is cancelled instead."""
    if status != "draft":
        raise NotADraft()
