"""CLI: `flask db upgrade`, `flask tokens new-key` / `rotate-key`, `flask sync run-pending`."""
from sqlmodel import Session, select

from portal import create_app
from portal.crypto import TokenCipher, generate_key, token_aad
from portal.models import BankConnection, Office
from tests.support.portal_config import portal_config


def test_rotate_key_re_encrypts_every_token_with_the_new_key(tmp_path):
    old = generate_key()
    app = create_app(portal_config(tmp_path, TOKEN_KEYS=old), instance_path=str(tmp_path / "i"))
    cipher = app.extensions["token_cipher"]
    with Session(app.extensions["db_engine"]) as s:
        office = Office(name="o")
        s.add(office)
        s.flush()
        conn = BankConnection(office_id=office.id, bank_code="0001")
        s.add(conn)
        s.flush()
        conn.access_token_enc = cipher.encrypt("acc", token_aad(conn.id, "access"))
        conn.refresh_token_enc = cipher.encrypt("ref", token_aad(conn.id, "refresh"))
        s.commit()
        conn_id = conn.id
    new = generate_key()
    rotated = create_app(portal_config(tmp_path, TOKEN_KEYS=f"{new},{old}"),
                         instance_path=str(tmp_path / "i"))
    result = rotated.test_cli_runner().invoke(args=["tokens", "rotate-key"])
    assert "re-encrypted 2 tokens" in result.output
    only_new = TokenCipher.from_config(new)
    with Session(rotated.extensions["db_engine"]) as s:
        conn = s.get(BankConnection, conn_id)
        assert only_new.decrypt(conn.access_token_enc, token_aad(conn_id, "access")) == "acc"
        assert only_new.decrypt(conn.refresh_token_enc, token_aad(conn_id, "refresh")) == "ref"
    again = rotated.test_cli_runner().invoke(args=["tokens", "rotate-key"])
    assert "re-encrypted 0 tokens" in again.output


def test_new_key_and_db_upgrade_and_run_pending(app):
    runner = app.test_cli_runner()
    key = runner.invoke(args=["tokens", "new-key"]).output.strip()
    assert TokenCipher.from_config(key)
    assert "database at head" in runner.invoke(args=["db", "upgrade"]).output
    assert "ran 0 sync runs" in runner.invoke(args=["sync", "run-pending"]).output
    with Session(app.extensions["db_engine"]) as s:
        assert s.exec(select(BankConnection)).all() == []
