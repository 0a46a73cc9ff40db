"""What the organiser's pages share: the event from the URL, the form page, the filters of
the registrations list, and times typed in Stockholm time but stored as UTC."""
from dataclasses import dataclass

from flask import abort, render_template

from ...extensions import db
from ...models import DialogueSession, Event
from ...services import reports
from ...util.time import local_to_utc, utc_to_local


def event_or_404(event_id):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def of_event_or_404(model, row_id, event):
    """The row from the URL (a block, reminder, registration…): 404 unless it is the event's."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def to_local(value):
    return utc_to_local(value).replace(tzinfo=None) if value else None


def to_utc(value):
    return local_to_utc(value) if value else None


def form_page(form, status=None, **context):
    """The shared form page; a failed submit answers 400 (or the error's `status`) with the
    form as typed."""
    return render_template("organiser/form.html", form=form, **context), (
        status or (400 if form.is_submitted() else 200))


@dataclass(frozen=True)
class ListFilters:
    """What the registrations list (and its export) shows, from the query string."""

    q: str = ""
    sort: str = "name"
    descending: bool = False
    show_cancelled: bool = False
    session: DialogueSession | None = None
    place: str = ""

    @classmethod
    def from_args(cls, event, args):
        """Anything unknown (a session of another event, a made-up place) is ignored."""
        sessions = {str(s.id): s for block in event.blocks for s in block.sessions}
        sort = args.get("sort", "name")
        place = args.get("place", "")
        return cls(q=args.get("q", "")[:200], sort=sort if sort in reports.SORTS else "name",
                   descending=args.get("dir") == "desc",
                   show_cancelled=args.get("cancelled") == "1",
                   session=sessions.get(args.get("session", "")),
                   place=place if place in reports.PLACES else "")

    def registrations(self, event):
        return reports.registrations(
            event, self.q, self.sort, self.descending, include_cancelled=self.show_cancelled,
            session_id=self.session.id if self.session else None, place=self.place or None)

    def as_args(self, **changes):
        """The query string that shows this list again (with `changes`), for links."""
        args = {"q": self.q or None, "sort": self.sort, "dir": "desc" if self.descending else None,
                "cancelled": "1" if self.show_cancelled else None,
                "session": self.session.id if self.session else None, "place": self.place or None}
        args.update(changes)
        return {key: value for key, value in args.items() if value is not None}
