"""URL converters."""
from werkzeug.routing import IntegerConverter


class DatabaseInt(IntegerConverter):
    """An <int:...> URL part that fits a database id: larger numbers are a 404, not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    app.url_map.converters["int"] = DatabaseInt
