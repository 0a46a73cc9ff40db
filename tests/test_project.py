"""Checks on the project itself: migrations match the models, translations are complete."""
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po

from eventapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], "models changed without a migration: run `flask db migrate`"


def test_every_message_has_a_swedish_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context)
                  for m in read_po(f) if m.id}
    with (ROOT / "translations/sv/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = sorted(
        (i, ctx) for i, ctx in wanted
        if not (m := catalog.get(i, context=ctx))
        or not (m.string if isinstance(m.string, str) else all(m.string))
    )
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert missing == [], f"untranslated in sv (run `make extract-messages`): {missing}"
    assert fuzzy == []
