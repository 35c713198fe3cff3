"""feed: an added statement is read from the statement table itself (its transaction id is a
column, in an index by office), not copied into statement_change by a trigger; the change
table keeps modifications and removals. A sync's insert then writes one row per statement,
not two (issue 10: the trigger and its table were a third of the insert's time).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 14:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

PG_TXID = "pg_current_xact_id()::text::bigint"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("statement", sa.Column("txid", sa.BigInteger(), server_default="0", nullable=False))
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS statement_feed_insert ON statement")
        # Rows added since 0012 keep the transaction their 'added' change carried, so a feed
        # position taken before this upgrade still sorts them where they were.
        op.execute("UPDATE statement SET txid = c.txid FROM statement_change c "
                   "WHERE c.statement_id = statement.id AND c.kind = 'added' AND c.txid <> 0")
        op.execute(f"ALTER TABLE statement ALTER COLUMN txid SET DEFAULT {PG_TXID}")
    else:
        op.execute("DROP TRIGGER IF EXISTS statement_feed_insert")
    op.create_index("ix_statement_feed", "statement", ["office_id", "txid", "id"])
    # The change table: edits and removals are what the feed reads of it from now on; its
    # 'added' rows stay only to place a cursor handed out before this upgrade (v1).
    op.drop_index("ix_statement_change_office_order", table_name="statement_change")
    op.create_index("ix_statement_change_edits", "statement_change", ["office_id", "txid", "id"],
                    sqlite_where=sa.text("kind <> 'added'"), postgresql_where=sa.text("kind <> 'added'"))
    op.create_index("ix_statement_change_added", "statement_change", ["office_id", "txid", "id"],
                    sqlite_where=sa.text("kind = 'added'"), postgresql_where=sa.text("kind = 'added'"))


def downgrade() -> None:
    op.drop_index("ix_statement_change_added", table_name="statement_change")
    op.drop_index("ix_statement_change_edits", table_name="statement_change")
    op.create_index("ix_statement_change_office_order", "statement_change", ["office_id", "txid", "id"])
    # Statements added since the upgrade get the 'added' row 0012's trigger would have written.
    op.execute("INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid) "
               "SELECT s.office_id, s.account_id, s.id, 'added', s.txid FROM statement s "
               "WHERE NOT EXISTS (SELECT 1 FROM statement_change c "
               "WHERE c.statement_id = s.id AND c.kind = 'added') ORDER BY s.txid, s.id")
    op.drop_index("ix_statement_feed", table_name="statement")
    if _postgres():
        op.drop_column("statement", "txid")
        op.execute("""CREATE TRIGGER statement_feed_insert AFTER INSERT ON statement
           REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_feed()""")
    else:
        # Not a batch copy of the table: that would lose the feed's other triggers.
        op.execute("ALTER TABLE statement DROP COLUMN txid")
        op.execute("""CREATE TRIGGER statement_feed_insert AFTER INSERT ON statement BEGIN
         INSERT INTO statement_change (office_id, account_id, statement_id, kind, txid)
         VALUES (NEW.office_id, NEW.account_id, NEW.id, 'added', 0); END""")
