"""catalog generation: triggers bump catalog_generation on every change to questions or topics

app.catalog caches question lists per process, keyed by this counter. The triggers live in the
database, so every writer bumps it (the bank sync, the admin, imports, scripts writing with plain
SQL, other processes) in the same transaction as its change.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("questions", "topics")
BUMP = (
    "INSERT INTO catalog_generation (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = catalog_generation.value + 1"
)


def upgrade() -> None:
    """Seed the counter row and add the triggers (per row on SQLite, per statement on PostgreSQL)."""
    bind = op.get_bind()
    op.execute("INSERT INTO catalog_generation (id, value) SELECT 1, 1 WHERE NOT EXISTS "
               "(SELECT 1 FROM catalog_generation WHERE id = 1)")
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER trg_{table}_{event.lower()}_generation AFTER {event} ON {table} "
                    f"BEGIN {BUMP}; END"
                )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_catalog_generation() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER trg_{table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
            )


def downgrade() -> None:
    """Drop the triggers (the table belongs to 0001)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_{event}_generation")
    elif bind.dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_generation ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_catalog_generation()")
