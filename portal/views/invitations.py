"""The link in an invitation mail: see the invitation, sign in or sign up, and join."""
from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/invitations")
