"""Request sizes and waiting uploads: a body over MAX_CONTENT_LENGTH is refused on every route
before it is read; an office keeps only so many files and bytes waiting; a file goes as soon
as it is imported, cancelled or abandoned."""
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from portal.services import upload_store
from tests.support.auth import Auth
from tests.support.html_forms import csrf_from
from tests.web.csv_helpers import RAKUTEN, import_file, preview_location, register, text, upload

FIFTY_MB = 50 * 1024 * 1024


def waiting(app) -> list[Path]:
    return sorted(Path(app.instance_path, "uploads").glob("*.upload"))


def test_a_50_mb_body_is_refused_on_every_route(auth, client):
    auth.signup()
    account_id = register(auth)
    body = b"x" * FIFTY_MB
    for path in ("/", "/login", "/signup", f"/accounts/{account_id}/statements",
                 f"/accounts/{account_id}/import", "/no-such-page"):
        resp = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert resp.status_code == 413, path
        assert "大きすぎます" in text(resp), path
    # The account is untouched and the session still works.
    assert client.get(f"/accounts/{account_id}/statements").status_code == 200


def test_the_refusal_names_the_limit_and_follows_the_setting(app, client):
    resp = client.post("/login", data=b"x" * (10 * 1024 * 1024 + 1),
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413 and "上限 10 MB" in text(resp)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    resp = client.post("/login", data=b"x" * (1024 * 1024 + 1),
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413 and "上限 1 MB" in text(resp)
    assert client.post("/login", data={"email": "a"}).status_code != 413  # a form as usual


@contextmanager
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()


def test_over_http_the_answer_comes_before_the_body_is_sent(app):
    """Only the headers and a first kilobyte go out: a portal that read the body first would
    wait for the other 50 MB and never answer."""
    with served(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     + f"Content-Length: {FIFTY_MB}\r\n\r\n".encode() + b"x" * 1024)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_pending_files_are_limited_per_office(app, auth, client):
    app.config.update(UPLOAD_PENDING_FILES=2)
    auth.signup()
    first, second = register(auth, bank="0005"), register(auth, bank="0005", name="当座")
    data = RAKUTEN.encode("utf-8")
    assert upload(auth, first, data).status_code == 303
    assert upload(auth, second, data).status_code == 303  # the quota is the office's, not an account's
    refused = upload(auth, first, data)
    assert refused.status_code == 429
    page = text(refused)
    assert "取り込みを待っているファイルが多すぎます" in page and "2件" in page
    assert len(waiting(app)) == 2  # nothing stored
    # Another office is not held back by this one.
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="鈴木商店")
    assert upload(other, register(other, bank="0005"), data).status_code == 303
    # Importing a file makes room again (import_file uploads a third one: refused before).
    [first_waiting] = [p for p in waiting(app) if p.name.split("-")[2] == str(first)]
    token = first_waiting.name.split("-", 3)[3].removesuffix(".upload")
    location = f"/accounts/{first}/import/{token}"
    assert auth.post(location).status_code == 303  # confirmed: imported and deleted
    assert len(waiting(app)) == 2  # second's, and the other office's
    assert upload(auth, first, data).status_code == 303
    assert upload(auth, first, data).status_code == 429


def test_pending_bytes_are_limited_per_office(app, auth):
    data = RAKUTEN.encode("utf-8")
    app.config.update(UPLOAD_PENDING_BYTES=len(data) * 2 + 10)
    auth.signup()
    account_id = register(auth, bank="0005")
    assert upload(auth, account_id, data).status_code == 303
    assert upload(auth, account_id, data).status_code == 303
    resp = upload(auth, account_id, data[:20] + b"\n")  # even a small third file is over
    assert resp.status_code == 429 and "MB" in text(resp)
    assert len(waiting(app)) == 2


def test_waiting_files_are_listed_and_can_be_deleted(app, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    location = upload(auth, account_id, RAKUTEN.encode("utf-8"), name="四月分.csv").headers["Location"]
    token = location.rsplit("/", 1)[1]
    page = text(client.get(f"/accounts/{account_id}/import"))
    assert "取り込みを待っているファイル" in page and "四月分.csv" in page
    assert f"/accounts/{account_id}/import/{token}/cancel" in page
    resp = client.post(f"{location}/cancel", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{account_id}/import"
    assert waiting(app) == [] and list(Path(app.instance_path, "uploads").iterdir()) == []
    page = text(client.get(f"/accounts/{account_id}/import"))
    assert "ファイルを削除しました" in page and "四月分.csv" not in page
    # The preview of a cancelled file is gone too.
    assert client.get(location).headers["Location"] == f"/accounts/{account_id}/import"


def test_cancel_needs_the_form_token_and_the_owner(app, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    location = upload(auth, account_id, RAKUTEN.encode("utf-8")).headers["Location"]
    assert client.post(f"{location}/cancel").status_code == 400  # no CSRF token
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="鈴木商店")
    assert other.post(f"{location}/cancel").status_code == 404  # not their account
    assert len(waiting(app)) == 1


def test_the_preview_cancel_button_deletes_the_file(app, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    location = preview_location(auth, account_id, RAKUTEN.encode("utf-8"))
    page = text(client.get(location))
    assert f'action="{location}/cancel"' in page and 'form="cancel-upload"' in page
    auth.post(f"{location}/cancel")
    assert waiting(app) == []


def test_imported_and_abandoned_files_are_deleted(app, auth):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    assert waiting(app) == []
    upload(auth, account_id, RAKUTEN.encode("utf-8"))
    [left] = waiting(app)
    hour_ago = time.time() - upload_store.MAX_AGE_SECONDS - 1
    os.utime(left, (hour_ago, hour_ago))
    result = app.test_cli_runner().invoke(args=["files", "prune"])
    assert result.exit_code == 0 and "deleted 1 abandoned uploads" in result.output
    assert list(Path(app.instance_path, "uploads").iterdir()) == []


def test_an_abandoned_file_does_not_count_against_the_quota(app, auth):
    app.config.update(UPLOAD_PENDING_FILES=1)
    auth.signup()
    account_id = register(auth, bank="0005")
    upload(auth, account_id, RAKUTEN.encode("utf-8"))
    [left] = waiting(app)
    hour_ago = time.time() - upload_store.MAX_AGE_SECONDS - 1
    os.utime(left, (hour_ago, hour_ago))
    assert upload(auth, account_id, RAKUTEN.encode("utf-8")).status_code == 303  # the old one went
    assert waiting(app) != [left] and len(waiting(app)) == 1


def test_parallel_uploads_cannot_pass_the_quota_together(app, tmp_path):
    folder = tmp_path / "uploads"
    owner = upload_store.Owner(1, 1, 1)
    quota = upload_store.Quota(files=3, bytes=10**6)
    outcomes = []

    def one():
        try:
            upload_store.save(folder, owner, b"x" * 100, quota=quota)
            outcomes.append("saved")
        except upload_store.QuotaExceeded:
            outcomes.append("refused")

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 9 + ["saved"] * 3
    assert upload_store.office_usage(folder, owner) == (3, 300)
