"""The signed-in user's offices: the switcher in the top bar and the accountant's overview."""
from flask import Blueprint

bp = Blueprint("offices", __name__, url_prefix="/offices")
