"""Public operations, no token: published events with their programme and seats left, as
the public pages show them (no more), with ETags."""
from ...domain.errors import NotFound
from ...domain.preferences import RankingWindow, ranking_open
from ...services import api_queries, queries
from ...util.time import utcnow
from ...web.api import etagged, json_body, tagged
from ...web.pagecache import cached_answer
from . import schemas
from .common import operation, utc

# Seconds a client or proxy may reuse a public answer without asking again.
PUBLIC_MAX_AGE = 5


def event_summary(event):
    return {"id": event.id, "slug": event.slug, "title": event.title, "summary": event.summary,
            "venue": event.venue, "address": event.address, "starts_at": utc(event.starts_at),
            "ends_at": utc(event.ends_at), "status": event.status}


def _json(key, schema, build):
    """The answer as JSON with its ETag, both kept for a few seconds like the public pages
    (web/pagecache.py)."""
    body, etag = cached_answer(key, lambda: tagged(json_body(schema().dump(build()))))
    return etagged(body, max_age=PUBLIC_MAX_AGE, etag=etag)


@operation("/events", "GET", schemas.EventListSchema, personal=False, errors=(304,))
def list_events():
    """Published events that have not ended, soonest first."""
    return _json("api-events", schemas.EventListSchema, lambda: {
        "items": [event_summary(e) for e in queries.published_upcoming(utcnow())]})


@operation("/events/<int:event_id>", "GET", schemas.EventSchema, personal=False, errors=(304, 404))
def get_event(event_id):
    """One published event: programme, parallel blocks, sessions with leads, rooms and seats left."""
    return _json("api-event", schemas.EventSchema, lambda: _event_data(event_id))


def block_mode(block, now):
    """How a block gives its seats; in preference mode, until when it takes rankings."""
    if not block.takes_preferences:
        return {"mode": block.FIRST_COME, "ranking_deadline": None, "ranking_closed": None}
    window = RankingWindow.of(block)
    return {"mode": block.PREFERENCES, "ranking_deadline": utc(window.deadline),
            "ranking_closed": not ranking_open(window, now)}


def _event_data(event_id):
    event = api_queries.event_with_sessions(event_id, public=True)
    if event is None:
        raise NotFound(event_id)
    counts, now = queries.seat_counts(event), utcnow()
    return {
        **event_summary(event), "description": event.description,
        "programme": [{"title": i.title, "description": i.description, "speakers": i.speakers,
                       "starts_at": utc(i.starts_at), "ends_at": utc(i.ends_at)}
                      for i in event.programme_items],
        "blocks": [{
            "id": b.id, "title": b.title, **block_mode(b, now), "starts_at": utc(b.starts_at),
            "ends_at": utc(b.ends_at),
            "sessions": [{"id": s.id, "title": s.title, "description": s.description,
                          "room": s.room, "leads": s.lead_names,
                          "seats_left": max(0, s.capacity - counts[s.id][0]),
                          "waiting_list": s.waitlist_enabled} for s in b.sessions],
        } for b in event.blocks],
    }
