"""Japanese first, English selectable; yen and date formats for both."""
from datetime import date, datetime

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from .dates import to_jst
from .extensions import babel


def select_locale() -> str:
    choice = session.get("lang")
    if choice in current_app.config["LANGUAGES"]:
        return choice
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    # Japanese unless the browser prefers English over Japanese.
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def format_yen(amount: int | None, currency: str = "JPY") -> str:
    if amount is None:
        return "—"
    if currency != "JPY":
        return f"{amount / 100:,.2f} {currency}"
    if str(get_locale()) == "ja":
        return f"{amount:,}円"
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_jst(value).date()
    return value.strftime("%Y/%m/%d")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return to_jst(value).strftime("%Y/%m/%d %H:%M")


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="portal/translations")
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["yen"] = format_yen
    app.jinja_env.filters["num"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    app.jinja_env.filters["ymd"] = format_date
    app.jinja_env.filters["ymdhm"] = format_datetime
