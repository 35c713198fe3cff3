"""What every view speaks: htmx or not, 303 after a POST, 404 for what is not the office's."""
from flask import abort, redirect, request, url_for


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


def or_404(obj):
    if obj is None:
        abort(404)
    return obj
