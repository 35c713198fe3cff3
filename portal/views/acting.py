"""Who acts in a request, as the audit log records it."""
from flask_login import current_user

from ..services.audit import Actor


def actor() -> Actor:
    return Actor(current_user.id, current_user.email)
