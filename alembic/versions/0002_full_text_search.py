"""full-text search over questions: FTS5 on SQLite, a tsvector GIN index on PostgreSQL

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the search index; app.bank keeps its rows in step with questions.search_text."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # rowid is the question id; porter stemming so "normalising" finds "normalization".
        op.execute(
            "CREATE VIRTUAL TABLE question_fts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_questions_search_tsv ON questions "
            "USING gin (to_tsvector('english', search_text))"
        )


def downgrade() -> None:
    """Drop the search index."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS question_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_questions_search_tsv")
