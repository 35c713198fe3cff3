"""The e-mails a user gets: their settings per kind, and the one-click unsubscribe link."""
from flask import Blueprint

bp = Blueprint("notices", __name__)
