"""Regenerate alembic/versions/0001 from app/models.py (only until the first release; then add migrations)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command

from app.migrate import alembic_config

VERSIONS = Path(__file__).resolve().parent.parent / "alembic" / "versions"


def main() -> None:
    """Write 0001 afresh from the models, keeping the later hand-written migrations."""
    with tempfile.TemporaryDirectory() as tmp:
        later = [p for p in VERSIONS.glob("*.py") if not p.name.startswith("0001")]
        for p in later:
            shutil.move(str(p), tmp)
        for p in VERSIONS.glob("0001*.py"):
            p.unlink()
        try:
            command.revision(alembic_config(f"sqlite:///{tmp}/empty.sqlite3"), message="initial tables",
                             autogenerate=True, rev_id="0001")
        finally:
            for p in Path(tmp).glob("*.py"):
                shutil.move(str(p), VERSIONS / p.name)


if __name__ == "__main__":
    main()
