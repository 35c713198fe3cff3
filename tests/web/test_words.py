"""Words a new user reads: plain Japanese from every check, and English that reads as English."""
import html
import re

from tests.web.csv_helpers import register


def page_of(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _english(auth):
    assert auth.post("/lang", {"lang": "en", "next": "/"}).status_code == 303


def test_amount_checks_speak_plain_japanese(auth, client):
    auth.signup()
    account_id = register(auth)
    url = f"/accounts/{account_id}/statements/new"
    base = {"transaction_date": "2024-04-01", "description": "振込"}
    resp = auth.post(url, {**base, "deposit": "0"})
    assert resp.status_code == 400
    body = page_of(resp)
    assert "1円以上、1兆円以下の金額を入力してください。" in body
    assert "でなければいけません" not in body and "数値は" not in body
    resp = auth.post(url, {**base, "deposit": "abc"})
    assert "金額は数字で入力してください(例: 12000)。" in page_of(resp)
    resp = auth.post(url, {**base, "deposit": "12", "transaction_date": "2024-13-01"})
    assert "日付は 2024-04-01 の形で入力してください。" in page_of(resp)
    # Amounts as people type them: full-width digits, commas, a yen sign.
    assert auth.post(url, {**base, "deposit": "１２,０００円"}).status_code == 303
    statements = page_of(client.get(f"/accounts/{account_id}/statements"))
    assert "12,000円" in statements


def test_sign_up_checks_speak_plain_japanese(auth, client):
    resp = client.post("/signup", data={
        "csrf_token": auth.token("/signup"), "office_name": "", "email": "not-an-address",
        "password": "short", "confirm": "short"})
    body = page_of(resp)
    assert resp.status_code == 400
    for message in ("入力してください。", "メールアドレスの形式が正しくありません。",
                    "パスワードは12文字以上、200文字以内にしてください。"):
        assert message in body
    assert "This field is required" not in body and "Invalid email" not in body


def test_counts_in_english_take_plural_forms(auth, client):
    auth.signup()
    account_id = register(auth)
    auth.post(f"/accounts/{account_id}/statements/new",
              {"transaction_date": "2024-04-01", "description": "振込", "deposit": "100"})
    _english(auth)
    body = page_of(client.get(f"/accounts/{account_id}/statements"))
    assert "1 entry" in body and "1 entries" not in body
    for n in (2, 3):
        auth.post(f"/accounts/{account_id}/statements/new",
                  {"transaction_date": f"2024-04-0{n}", "description": "振込", "deposit": "100"})
    body = page_of(client.get(f"/accounts/{account_id}/statements"))
    assert "3 entries" in body


def test_english_pages_have_no_japanese_punctuation_and_one_brand(auth, client):
    auth.signup()
    account_id = register(auth)
    _english(auth)
    for path in ("/", "/accounts/", "/accounts/new", "/accounts/new/0001",
                 f"/accounts/{account_id}/statements", f"/accounts/{account_id}/settings"):
        body = page_of(client.get(path))
        chrome = re.sub(r"<title>.*?</title>", "", body, flags=re.S)
        # Bank and account names are data and stay Japanese; the words around them are English.
        texts = re.sub(r"<[^>]+>", " ", chrome)
        for data in ("山田商店", "普通預金", "みずほ銀行", "ＧＭＯ", "住信SBIネット銀行"):
            texts = texts.replace(data, "")
        assert "「" not in texts and "」" not in texts and "・" not in texts, path
        assert body.count("Tsunagu") == 2, path  # the <title> and the brand, each once


def test_kind_labels_are_translated(auth, client):
    auth.signup()
    _english(auth)
    body = page_of(client.get("/accounts/new/0001"))
    assert "(Personal, API)" in body and "(Corporate, API)" in body
    assert "(個人)" not in body and "(法人)" not in body
