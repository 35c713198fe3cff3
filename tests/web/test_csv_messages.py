"""Messages of the statement modules (row errors, skipped rows, refusals, layout names,
review reasons) follow the UI language: English when chosen, Japanese exactly as before."""
import html

from tests.web.csv_helpers import MUFG, crlf, preview_location, register, text

BAD_ROWS = MUFG + crlf(
    '"2024/4/6","振込","x","","1,0,0,0x","",""',  # line 5: an amount that is not one
    '"2024/13/1","振込","","","500","",""',  # line 6: no 13th month
    '"2024/4/7","メモ","","","","",""',  # line 7: no amount at all, left out
)


def _set_lang(auth, lang: str) -> None:
    resp = auth.client.post("/lang", data={"csrf_token": auth.token("/"), "lang": lang, "next": "/"})
    assert resp.status_code == 303


def _preview(auth, client, account_id) -> str:
    location = preview_location(auth, account_id, BAD_ROWS.encode("cp932"))
    resp = client.get(location)
    assert resp.status_code == 200
    return html.unescape(text(resp))


def test_bad_rows_are_explained_in_english(auth, client):
    auth.signup()
    account_id = register(auth)
    _set_lang(auth, "en")
    page = _preview(auth, client, account_id)
    assert 'lang="en"' in page
    assert 'class="count-bad">3' in page  # line 7, with no amount, counts as unreadable too
    assert '<td class="num">Line 5</td><td>Cannot read the amount: "1,0,0,0x"</td>' in page
    assert '<td class="num">Line 6</td><td>Cannot read the date: "2024/13/1"</td>' in page
    assert '<td class="num">Line 7</td><td>Not imported: the line has no amount</td>' in page
    assert "Format: MUFG Bank" in page
    for japanese in ("読み取れません", "取り込みません", "三菱UFJ銀行", "行目"):
        assert japanese not in page


def test_bad_rows_are_explained_in_japanese(auth, client):
    auth.signup()
    account_id = register(auth)
    _set_lang(auth, "en")
    _set_lang(auth, "ja")
    page = _preview(auth, client, account_id)
    assert 'lang="ja"' in page
    assert '<td class="num">5行目</td><td>金額を読み取れません:「1,0,0,0x」</td>' in page
    assert '<td class="num">6行目</td><td>日付を読み取れません:「2024/13/1」</td>' in page
    assert '<td class="num">7行目</td><td>金額のない行のため取り込みません</td>' in page
    assert "形式: 三菱UFJ銀行" in page
    assert "Cannot read" not in page and "Line 5" not in page and "MUFG Bank" not in page


def test_refused_file_and_known_layouts_follow_the_language(auth, client):
    auth.signup()
    account_id = register(auth)
    upload_page = f"/accounts/{account_id}/import"
    page = text(client.get(upload_page))
    assert "三菱UFJ銀行、三井住友銀行、" in page and "、全銀協形式</p>" in page
    _set_lang(auth, "en")
    page = text(client.get(upload_page))
    assert "MUFG Bank, Sumitomo Mitsui Banking Corporation, " in page and ", Zengin format</p>" in page
    assert "三菱UFJ銀行" not in page
    resp = client.get(preview_location(auth, account_id, b"%PDF-1.4\x00\x01\x02binary"))
    assert resp.headers["Location"] == upload_page
    page = html.unescape(text(client.get(upload_page)))
    assert "The file cannot be read as text." in page and "文字として読み取れません" not in page
