"""Extensions created once and attached in create_app."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
