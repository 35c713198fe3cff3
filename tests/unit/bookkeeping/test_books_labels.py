"""Every bookkeeping state and choice has one label (portal.labels), and refusals read."""
import pytest

from portal import labels
from portal.bookkeeping.rules import Conditions, RuleError, compile_rule
from portal.models.vocabulary import (
    BookingState,
    BusinessForm,
    Direction,
    ExportChange,
    FlagReason,
    RuleMatch,
    SuggestionSource,
    TitleKind,
)
from portal.services.books.common import BooksError

ENUMS = (BookingState, BusinessForm, Direction, ExportChange, FlagReason, RuleMatch, SuggestionSource,
         TitleKind)


@pytest.mark.parametrize("member", [m for enum in ENUMS for m in enum], ids=str)
def test_every_member_has_a_label(app, member):
    with app.test_request_context():
        assert labels.label(member)


def test_refusals_read_with_the_regex_engine_words(app):
    with pytest.raises(RuleError) as caught:
        compile_rule(Conditions(RuleMatch.REGEX, "("))
    with app.test_request_context():
        text = labels.books_error(caught.value)
        assert text.startswith("正規表現が正しくありません。") and "(" in text
        refused = BooksError("no_title", "勘定科目を選んでください。")
        assert labels.books_error(refused) == "勘定科目を選んでください。"
