"""URL converters: ids in URLs that the database can always be asked about."""
from werkzeug.routing import IntegerConverter


class DatabaseIdConverter(IntegerConverter):
    """<int:...> in URLs, but never past what an INTEGER column holds (PostgreSQL would
    refuse the query with an error instead of a plain 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_converters(app):
    app.url_map.converters["int"] = DatabaseIdConverter
