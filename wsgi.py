"""Entry point for gunicorn and `flask`: app = create_app()."""
from eventapp import create_app

app = create_app()
