"""What runs before the app serves: migrations and loading the question bank."""

from __future__ import annotations

import logging

from app.bank import load_bank, sync_bank
from app.db import Database
from app.migrate import upgrade

log = logging.getLogger("deepprep")


class BankInvalid(RuntimeError):
    """The bank files have errors; the app refuses to load a half-valid bank."""


def prepare_database(db: Database, *, migrate: bool = True, sync: bool = True) -> None:
    """Apply migrations, then bring the database in line with questions/."""
    if migrate:
        upgrade(db.engine)
    if sync:
        topics, errors = load_bank(db.settings.questions_dir)
        if errors:
            raise BankInvalid("the question bank has errors:\n" + "\n".join(str(e) for e in errors))
        with db.writing() as session:
            report = sync_bank(session, topics)
        log.info("bank: %d added, %d changed, %d archived, %d unchanged",
                 len(report.added), len(report.changed), len(report.archived), report.unchanged)
