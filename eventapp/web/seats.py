"""How a session reads in a form or on a page: its title and the seats left right now."""
from flask_babel import gettext as _, ngettext

from ..services import queries


def seat_labeller(event):
    counts = queries.seat_counts(event)

    def label(session):
        confirmed, _waiting = counts.get(session.id, (0, 0))
        left = max(session.capacity - confirmed, 0)
        if left:
            status = ngettext("%(num)d seat left", "%(num)d seats left", left)
        elif session.waitlist_enabled:
            status = _("Full – waiting list")
        else:
            status = _("Full")
        return f"{session.title} – {status}"

    return label, counts
