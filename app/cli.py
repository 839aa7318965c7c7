"""The `deepprep` command: serve, migrate, check-bank, import, export, create-admin."""

from __future__ import annotations

import argparse
import getpass
import logging.config
import os
import sys
from pathlib import Path


def _settings():  # noqa: ANN202
    from app.config import get_settings

    return get_settings()


UVICORN_LOOP = "asyncio"


def log_config(level: str) -> dict:
    """uvicorn's logging, with deepprep's own loggers (start-up, interview sweep) shown the same way."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    # Without this only uvicorn's loggers have a handler, and deepprep's info lines are dropped.
    config["loggers"]["deepprep"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, load the bank, then serve with uvicorn."""
    import uvicorn

    from app.db import Database
    from app.startup import prepare_database

    logging.config.dictConfig(log_config(args.log_level))  # the bank sync below logs too
    settings = _settings()
    if args.workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        print("note: several workers on SQLite share one file; PostgreSQL is the tested multi-process set-up",
              file=sys.stderr)
    db = Database(settings)
    prepare_database(db)
    db.dispose()
    settings.resolved_secret_key  # noqa: B018  (create the key file once, before workers race for it)
    # The workers need not migrate or sync again: it was done once, above.
    os.environ["DEEPPREP_MIGRATE_ON_START"] = "false"
    os.environ["DEEPPREP_SYNC_BANK_ON_START"] = "false"
    print(f"deepprep: serving on http://{args.host}:{args.port} ({args.workers} worker{'s' if args.workers > 1 else ''})")
    # asyncio's own loop, not uvloop: under load uvloop serves some connections many turns late
    # (p99 latency 6-10x the median, bench/RESULTS.md), where asyncio's loop serves them in order.
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, proxy_headers=True,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level=args.log_level, loop=UVICORN_LOOP,
                log_config=log_config(args.log_level))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the database migrations."""
    from app.db import Database
    from app.startup import prepare_database

    db = Database(_settings())
    prepare_database(db, migrate=True, sync=not args.no_sync)
    db.dispose()
    print("deepprep: database is up to date" + ("" if args.no_sync else " and the bank is loaded"))
    return 0


def cmd_check_bank(args: argparse.Namespace) -> int:
    """Validate the whole bank; print line-numbered errors."""
    from app.bank_check import check_bank

    questions_dir = Path(args.dir) if args.dir else _settings().questions_dir
    errors = check_bank(questions_dir, seeds=args.seeds)
    for error in errors:
        print(error)
    if errors:
        print(f"check-bank: {len(errors)} problem{'s' if len(errors) != 1 else ''}", file=sys.stderr)
        return 1
    from app.bank import load_bank

    topics, _ = load_bank(questions_dir)
    count = sum(len(t.questions) for t in topics)
    print(f"check-bank: {count} questions in {len(topics)} topics, no problems")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import questions from a YAML, JSON, GIFT or Moodle XML file."""
    from app.db import Database
    from app.startup import prepare_database
    from app.transfer import import_questions

    content = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    fmt = args.format or _format_from_name(args.file)
    db = Database(_settings())
    prepare_database(db, sync=False)
    with db.writing() as session:
        result = import_questions(session, content=content, fmt=fmt, dry_run=args.dry_run, author="cli",
                                  topic=args.topic)
    db.dispose()
    for error in result.errors:
        print(f"{args.file}:{error['line']}: {error['message']}", file=sys.stderr)
    verb = "would add" if args.dry_run else "added"
    print(f"import: {verb} {len(result.added)}, {'would change' if args.dry_run else 'changed'} {len(result.changed)}"
          + (f", skipped {len(result.skipped)}" if result.skipped else ""))
    return 1 if result.errors else 0


def _format_from_name(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".gift": "gift", ".txt": "gift", ".xml": "moodle-xml"}.get(
        suffix, "yaml")


def cmd_export(args: argparse.Namespace) -> int:
    """Export the bank (or one topic) as YAML, JSON, GIFT or Moodle XML."""
    from app.db import Database
    from app.startup import prepare_database
    from app.transfer import export_questions

    db = Database(_settings())
    prepare_database(db, sync=False)
    with db.reading() as session:
        text = export_questions(session, fmt=args.format, topic=args.topic)
    db.dispose()
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create an admin (or promote a user), reading the password from stdin when it is not a terminal."""
    from sqlalchemy import select

    from app.db import Database
    from app.models import User
    from app.passwords import hash_password, password_problem
    from app.startup import prepare_database

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat it: ") != password:
            print("create-admin: the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        print(f"create-admin: {problem}", file=sys.stderr)
        return 2
    name = args.name.strip()
    if not name or len(name) > 40:
        print("create-admin: the name must have 1 to 40 characters", file=sys.stderr)
        return 2
    db = Database(_settings())
    prepare_database(db, sync=False)
    with db.writing() as session:
        user = session.scalar(select(User).where(User.username == name))
        created = user is None
        if user is None:
            user = User(username=name)
            session.add(user)
        user.password_hash, user.role, user.is_guest, user.active = hash_password(password), "admin", False, True
    db.dispose()
    print(f"create-admin: {'created' if created else 'updated'} admin '{name}'")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="deepprep", description="Practise deep-learning interview questions.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrate, load the bank and serve the app",
                       description="Apply migrations, sync the question bank, then serve with uvicorn.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (use PostgreSQL for more than one)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted for X-Forwarded-* headers")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations and load the bank",
                       description="Bring the database to the newest schema, then load questions/.")
    p.add_argument("--no-sync", action="store_true", help="only migrate; do not load questions/")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("check-bank", help="validate the question bank",
                       description="Validate every question file: schema, unique slugs, self-scoring, generators, rendering.")
    p.add_argument("--dir", help="the questions folder (default: DEEPPREP_QUESTIONS_DIR)")
    p.add_argument("--seeds", type=int, default=200, help="seeds to try per computed question")
    p.set_defaults(func=cmd_check_bank)

    p = sub.add_parser("import", help="import questions from a file",
                       description="Import questions (YAML, JSON, GIFT, Moodle XML): validated first, then all or nothing.")
    p.add_argument("file", help="the file, or - for standard input")
    p.add_argument("--format", choices=["yaml", "json", "gift", "moodle-xml"])
    p.add_argument("--topic", help="topic for questions whose format has none (GIFT without $CATEGORY)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export questions to a file",
                       description="Export the bank or one topic as YAML, JSON, GIFT or Moodle XML.")
    p.add_argument("--format", choices=["yaml", "json", "gift", "moodle-xml"], default="yaml")
    p.add_argument("--topic")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("create-admin", help="create an admin account",
                       description="Create an admin, or make an existing user one. The password is read from standard "
                                   "input when it is not a terminal, else asked for twice.")
    p.add_argument("name")
    p.set_defaults(func=cmd_create_admin)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
