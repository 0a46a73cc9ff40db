"""The organiser's pages, one module per feature: events.py (lifecycle), programme.py
(items, blocks, the order of sessions), sessions.py (a session and its leads),
registrations.py, exports.py (exports, catering, activity log), reminders.py and
allocation.py (ranked preferences); common.py
holds what they share, forms.py their forms."""
from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

# Importing the modules registers their views on bp.
from . import (allocation, events, exports, programme, registrations, reminders,  # noqa: E402, F401
               sessions)
