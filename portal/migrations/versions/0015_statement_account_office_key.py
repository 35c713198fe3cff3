"""statement: one foreign key (account_id, office_id) → account (id, office_id) in place of
one to office and one to account. The database now holds every statement to its account's
office (office scoping no longer rests on the code alone), and an insert checks one key per
row where it checked two (on PostgreSQL the checks were a fifth of a sync's insert time).

SQLite cannot alter a table's keys: the table is copied (batch mode, as in 0012), its
AUTOINCREMENT high-water mark kept, and the change feed's triggers made again as they were.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:15:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KEY = "fk_statement_account_office"
# SQLite's keys have no names: batch mode names them by this convention to drop them.
NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _pg_key_names(columns: list[str]) -> list[str]:
    keys = sa.inspect(op.get_bind()).get_foreign_keys("statement")
    return [k["name"] for k in keys if k["constrained_columns"] == columns]


def _copy_sqlite(change) -> None:
    """Run `change` on a batch copy of statement, keeping what the copy would lose: the
    AUTOINCREMENT high-water mark and the change feed's triggers (statement's own, and
    book_line's, which name statement: SQLite refuses to rename the copy while they exist).
    The triggers are taken as they stand and made again, not written out a second time."""
    bind = op.get_bind()
    seq = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'statement'").scalar()
    triggers = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('statement', 'book_line') ORDER BY name").all()
    for name, _sql in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("statement", recreate="always", naming_convention=NAMES,
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        change(batch)
    if seq is not None:  # a removed newest statement's id must never come back (the feed)
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'statement'",
                             (seq,))
        if bind.exec_driver_sql("SELECT count(*) FROM sqlite_sequence "
                                "WHERE name = 'statement'").scalar() == 0:
            bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('statement', ?)",
                                 (seq,))
    for _name, sql in triggers:
        op.execute(sql)


def _zero_index(columns: list[str]) -> None:
    """0014's index of 0-yen rows, by these columns. With office_id in it, the 0-yen count
    (account and office equal, amount 0) matches two of its columns, so SQLite's planner
    prefers it to the office's date index whatever order the copy left the indexes in."""
    op.drop_index("ix_statement_zero", table_name="statement")
    op.create_index("ix_statement_zero", "statement", columns,
                    sqlite_where=sa.text("amount = 0"), postgresql_where=sa.text("amount = 0"))


def upgrade() -> None:
    op.create_index("ux_account_id_office", "account", ["id", "office_id"], unique=True)
    if _postgres():
        for name in _pg_key_names(["office_id"]) + _pg_key_names(["account_id"]):
            op.drop_constraint(name, "statement", type_="foreignkey")
        op.create_foreign_key(KEY, "statement", "account", ["account_id", "office_id"],
                              ["id", "office_id"])
    else:
        def change(batch) -> None:
            batch.drop_constraint("fk_statement_office_id_office", type_="foreignkey")
            batch.drop_constraint("fk_statement_account_id_account", type_="foreignkey")
            batch.create_foreign_key(KEY, "account", ["account_id", "office_id"],
                                     ["id", "office_id"])
        _copy_sqlite(change)
    _zero_index(["account_id", "office_id", "transaction_date"])


def downgrade() -> None:
    _zero_index(["account_id", "transaction_date"])
    if _postgres():
        op.drop_constraint(KEY, "statement", type_="foreignkey")
        op.create_foreign_key(None, "statement", "office", ["office_id"], ["id"])
        op.create_foreign_key(None, "statement", "account", ["account_id"], ["id"])
    else:
        def change(batch) -> None:
            batch.drop_constraint(KEY, type_="foreignkey")
            batch.create_foreign_key("fk_statement_office_id_office", "office", ["office_id"], ["id"])
            batch.create_foreign_key("fk_statement_account_id_account", "account", ["account_id"], ["id"])
        _copy_sqlite(change)
    op.drop_index("ux_account_id_office", table_name="account")
