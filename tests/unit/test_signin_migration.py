"""Migration 0007 (sign-in trust) on SQLite: the schema ends as the models say, a user of
before keeps their password and has no second factor, and it goes down and up again."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (the metadata compared with the database)
from portal import migrate
from portal.db import make_engine


def _drift(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)


def test_0007_matches_the_models_and_goes_down_and_up(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        migrate.upgrade(engine, "0006")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO office (id, name, created_at) VALUES (1, 'o', '2024-01-01')"))
            conn.execute(text(
                "INSERT INTO user (id, email, password_hash, created_at) VALUES (1, 'a@example.jp', 'h',"
                " '2024-01-01')"))
        migrate.upgrade(engine)
        assert _drift(engine) == []
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT password_hash, totp_enabled_at FROM user WHERE id = 1")).one()
            required = conn.execute(text("SELECT require_two_factor FROM office")).scalar()
        assert tuple(row) == ("h", None) and not required
        migrate.downgrade(engine, "0006")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM loginattempt")).scalar() == 0
        migrate.upgrade(engine)
        assert _drift(engine) == []
    finally:
        engine.dispose()
