"""Benchmarks of deepprep (issue 6): the app under wrk beside a bare Starlette baseline, the engine per family.

Run with `make bench` (or `.venv/bin/python bench/run.py --help`). It

1. builds a fresh SQLite database in a temporary folder (what a fresh `make run` has: migrated,
   bank loaded), starts the app with uvicorn (one worker) and, with the same uvicorn settings,
   the bare Starlette app of bench/baseline.py; each server is pinned to CPU 0 and wrk to CPU 1
   when there are two or more;
2. drives every row with wrk (32 connections, a fixed time, after a short warm-up) through
   bench/wrk.lua, which counts response statuses; all requests carry one guest's cookie;
3. checks that every POST wrk saw accepted (2xx) is in the database afterwards;
4. times each generator family in-process (instantiate + engine trace, median microseconds);
5. with --large (on by default) grows a separate SQLite file to 50,000 questions and drives list,
   filter and search;
6. prints one Markdown report and writes it to bench/RESULTS.md (--output to change).

Servers run in their own process group and are always stopped (try/finally, SIGTERM then SIGKILL).
Nothing here asserts on time: the targets are reported as met or missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
LUA = BENCH / "wrk.lua"

# Targets of issue 6.
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0

COMPUTED_SLUG = "softmax-temperature-computed"  # a computed question: engine + Markdown per request
STATIC_SLUG = "relu-pros-cons"  # a free-text question: rendered once, when the version was saved
FREE_TEXT_ANSWER = ("ReLU is max(0, x): cheap, sparse, and it does not saturate for positive inputs, which eases "
                    "vanishing gradients; but units can die when their input is negative for all data, and it is "
                    "not zero-centred.")


# ----------------------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_plan() -> tuple[list[str], list[str]]:
    """taskset prefixes for the server and for wrk: different cores when there are two or more."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(cpus[0])], ["taskset", "-c", ",".join(str(c) for c in cpus[1:])]
    return [], []


class Server:
    """A uvicorn server in its own process group; stop() always ends the whole group."""

    def __init__(self, name: str, app: str, *, env: dict[str, str], app_dir: Path, pin: list[str], log: Path) -> None:
        self.name, self.port, self.log = name, free_port(), log
        # The same uvicorn settings for the app and the baseline: one worker, uvloop and httptools when
        # installed (uvicorn's "auto"), no access log (it would be the benchmark of a log file).
        cmd = [*pin, PY, "-m", "uvicorn", app, "--app-dir", str(app_dir), "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
        self._log = open(log, "wb")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=str(ROOT))
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> None:
        """Poll until the server answers, or fail with its log."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=2).status_code < 500:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def peak_rss_kib(self) -> int | None:
        """VmHWM of the server process (the python under taskset keeps the same pid)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (every thread of the process)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after 10 seconds."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def serving(*args, ready_path: str = "/", **kwargs) -> Iterator[Server]:  # noqa: ANN002, ANN003
    """Start a Server, wait until it answers, and stop it whatever happens."""
    server = Server(*args, **kwargs)
    try:
        server.wait_ready(ready_path)
        yield server
    finally:
        server.stop()


def ensure_wrk() -> str:
    """wrk's path; installed with apt-get when missing and we may, else exit saying how."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: wrk is missing; installing Debian's package with apt-get", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
        path = shutil.which("wrk")
        if path:
            return path
    sys.exit("bench: wrk is needed: `sudo apt-get install wrk` (Debian/Ubuntu), `brew install wrk` (macOS), "
             "or build it from https://github.com/wg/wrk")


# ----------------------------------------------------------------------------- wrk


@dataclass
class Row:
    """One line of the load table."""

    name: str
    method: str
    path: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu_us: float = 0.0  # server CPU time per request: steadier than req/s when other work shares the machine
    note: str = ""
    available: bool = True
    is_baseline: bool = False
    check_ratio: bool = False


def run_wrk(wrk: str, pin: list[str], url: str, *, seconds: float, connections: int, threads: int,
            method: str = "GET", body: str | None = None, cookie: str | None = None) -> dict:
    """One wrk run through bench/wrk.lua; returns its parsed summary."""
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body or "")
    cmd = [*pin, wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
           "-s", str(LUA)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"wrk did not finish: {' '.join(cmd)}") from None
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise RuntimeError(f"wrk printed no summary (exit {proc.returncode}):\n{out}\n{err}")


def measure(row: Row, wrk: str, pin: list[str], server: Server, args: argparse.Namespace, *,
            body: str | None = None, cookie: str | None = None, before=None, after=None) -> dict:  # noqa: ANN001
    """Warm up, then measure one row; fills the row and returns wrk's summary.

    before/after are called around the measured run (after the warm-up), for the write check.
    """
    url = server.url + row.path
    if args.warmup > 0:
        run_wrk(wrk, pin, url, seconds=args.warmup, connections=args.connections, threads=args.threads,
                method=row.method, body=body, cookie=cookie)
    if before is not None:
        before()
    cpu0 = server.cpu_seconds()
    s = run_wrk(wrk, pin, url, seconds=args.duration, connections=args.connections, threads=args.threads,
                method=row.method, body=body, cookie=cookie)
    cpu1 = server.cpu_seconds()
    if after is not None:
        after()
    fill(row, s)
    row.cpu_us = (cpu1 - cpu0) / s["requests"] * 1e6 if s["requests"] else 0.0
    print(f"  {row.name:<42} {row.rps:>9.0f} req/s  p50 {row.p50_ms:6.1f} ms  p99 {row.p99_ms:6.1f} ms  "
          f"errors {row.errors}  server CPU {row.cpu_us:,.0f} us/req", flush=True)
    return s


def fill(row: Row, s: dict) -> None:
    """Copy a wrk summary into a row."""
    seconds = s["duration_us"] / 1e6
    row.requests = s["requests"]
    row.rps = s["requests"] / seconds if seconds else 0.0
    row.p50_ms, row.p99_ms = s["p50_us"] / 1000, s["p99_us"] / 1000
    socket_errors = s["err_connect"] + s["err_read"] + s["err_write"] + s["err_timeout"]
    # wrk counts 4xx/5xx as status errors; 3xx is not expected on these rows either.
    row.errors = socket_errors + s["s3xx"] + s["s4xx"] + s["s5xx"] + s["sother"]
    row.statuses = {k: s[k] for k in ("s2xx", "s3xx", "s4xx", "s5xx") if s[k]}


# ----------------------------------------------------------------------------- set-up


def app_env(data_dir: Path, db_file: Path | None = None) -> dict[str, str]:
    """The environment of a fresh `make run`, pointed at a temporary data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPPREP_")}
    env.update(DEEPPREP_DATA_DIR=str(data_dir), DEEPPREP_ENV="development",
               DEEPPREP_QUESTIONS_DIR=str(ROOT / "questions"), PYTHONDONTWRITEBYTECODE="1")
    if db_file is not None:
        env["DEEPPREP_DATABASE_URL"] = f"sqlite:///{db_file}"
    return env


def migrate(env: dict[str, str]) -> None:
    """`deepprep migrate`: the schema and the bank, as `make run` does before it serves."""
    subprocess.run([PY, "-m", "app.cli", "migrate"], env=env, cwd=str(ROOT), check=True, stdout=subprocess.DEVNULL)


def served_env(env: dict[str, str]) -> dict[str, str]:
    """What `deepprep serve` gives its workers: migration and sync already done."""
    return dict(env, DEEPPREP_MIGRATE_ON_START="false", DEEPPREP_SYNC_BANK_ON_START="false")


def count_rows(db_file: Path, sql: str, *params) -> int:  # noqa: ANN002
    """A count straight from the SQLite file, outside the server."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def guest_cookie(base_url: str) -> tuple[str, int]:
    """Answer once through the JSON API, as a new visitor: the cookies of that guest and its attempt id.

    The guest cookie comes from the first write; the CSRF cookie from the first page, as a browser would
    hold both (without it every page would mint a new token and set the cookie again).
    """
    import httpx

    r = httpx.post(f"{base_url}/api/questions/{STATIC_SLUG}/answers", json={"answer": FREE_TEXT_ANSWER}, timeout=30)
    r.raise_for_status()
    value = r.cookies.get("deepprep_guest")
    if not value:
        raise RuntimeError("the first answer set no guest cookie")
    cookie = f"deepprep_guest={value}"
    csrf = httpx.get(base_url + "/", headers={"Cookie": cookie}, timeout=30).cookies.get("deepprep_csrf")
    if csrf:
        cookie += f"; deepprep_csrf={csrf}"
    return cookie, r.json()["attempt_id"]


def interview_target(base_url: str, cookie: str) -> tuple[str | None, str, str]:
    """Create an interview and find a position that takes a typed answer: (path, body, note)."""
    import httpx

    headers = {"Cookie": cookie}
    body = {"topics": [], "count": 3, "time_limit_seconds": 3600, "difficulty": "mixed"}
    r = httpx.post(f"{base_url}/api/interviews", json=body, headers=headers, timeout=30)
    if r.status_code in (404, 405):
        return None, "", "not available: POST /api/interviews is not there"
    if r.status_code >= 300:
        return None, "", f"not available: POST /api/interviews answered {r.status_code}"
    data = r.json()
    public_id = data.get("id") or data.get("public_id")
    answers = {"free_text": "Autosaved draft of an answer that is still being typed.", "numeric": "0.5"}
    for q in data.get("questions", []):
        text = answers.get(q.get("type"))
        if text is None:
            continue
        path = f"/api/interviews/{public_id}/answers/{q['position']}"
        payload = json.dumps({"answer": text})
        put = httpx.put(base_url + path, content=payload, headers={**headers, "content-type": "application/json"},
                        timeout=30)
        if put.status_code == 200:
            return path, payload, f"position {q['position']} ({q['type']})"
        if put.status_code in (404, 405) and "detail" not in put.text:
            return None, "", "not available: the autosave PUT is not there"
    # No typed question among the three: try the first position with an option id.
    path = f"/api/interviews/{public_id}/answers/1"
    put = httpx.put(base_url + path, json={"answer": [0]}, headers=headers, timeout=30)
    if put.status_code == 200:
        return path, json.dumps({"answer": [0]}), "position 1 (choice)"
    return None, "", f"not available: PUT {path} answered {put.status_code}"


# ----------------------------------------------------------------------------- engine


def engine_timings(runs: int) -> list[tuple[str, float, float]]:
    """Every generator family: median and p90 microseconds of instantiate(seed) (engine trace included)."""
    sys.path.insert(0, str(ROOT))
    from app.generators import GENERATORS

    out = []
    for name, family in GENERATORS.items():
        for seed in range(5):  # warm caches and lazy imports
            family.instantiate(seed)
        samples = []
        for seed in range(runs):
            t0 = time.perf_counter()
            family.instantiate(seed)
            samples.append((time.perf_counter() - t0) * 1e6)
        samples.sort()
        out.append((name, statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]))
    return out


# ----------------------------------------------------------------------------- machine and report


def machine() -> dict[str, str]:
    """What the numbers ran on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f", Linux {platform.release()}"
    versions = []
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy", "jinja2", "numpy"):
        with contextlib.suppress(PackageNotFoundError):
            versions.append(f"{pkg} {version(pkg)}")
    wrk_v = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"cpu": f"{cpu}, {os.cpu_count()} cores", "memory": mem, "os": os_name,
            "python": f"Python {platform.python_version()} ({sys.implementation.name})",
            "packages": ", ".join(versions), "wrk": " ".join(wrk_v.split()[:2]),
            "sqlite": f"SQLite {sqlite3.sqlite_version}"}


def fmt_ok(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "**no**")


def report(args: argparse.Namespace, mach: dict[str, str], pinned: bool, rows: list[Row], write_check: list[str],
           peaks: dict[str, int | None], engine: list[tuple[str, float, float]], large_rows: list[Row],
           large_info: str) -> str:
    """The Markdown report: machine, load table, write check, memory, engine table, large bank."""
    base = next((r for r in rows if r.is_baseline), None)
    lines = [
        "# deepprep benchmarks",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` (bench/run.py). "
        f"wrk, {args.connections} connections, {args.threads} thread{'s' if args.threads > 1 else ''}, "
        f"{args.duration:g} s per row after a {args.warmup:g} s warm-up; one uvicorn worker for the app and for "
        f"the baseline (same settings: uvloop + httptools, no access log), "
        + ("server pinned to CPU 0 and wrk to the other core(s) with taskset." if pinned
           else "not pinned (fewer than two cores or no taskset)."),
        "The app serves a fresh SQLite database (migrated, bank loaded, as after `make run`); every request "
        "carries one guest's cookie.",
        "",
        "**Machine:** " + "; ".join(mach[k] for k in ("cpu", "memory", "os", "python", "sqlite", "wrk")) + ".",
        "",
        f"**Packages:** {mach['packages']}.",
        "",
        "## Load",
        "",
        f"Targets: a question page at {TARGET_RATIO} or more of the baseline; p99 under {TARGET_P99_MS:g} ms; no errors.",
        "",
        "| Request | req/s | p50 ms | p99 ms | errors | req/s vs baseline | p99 target | server CPU µs/req |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for r in rows:
        if not r.available:
            lines.append(f"| {r.name} (`{r.method} {r.path}`) | not available | | | | | | |")
            continue
        ratio = f"{r.rps / base.rps:.3f}" if base and base.rps else ""
        if r.check_ratio and base and base.rps:
            ratio += " (ok)" if r.rps / base.rps >= TARGET_RATIO else " (**below 0.25**)"
        p99_ok = fmt_ok(None if r.is_baseline else r.p99_ms < TARGET_P99_MS)
        lines.append(f"| {r.name} (`{r.method} {r.path}`) | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
                     f"{r.errors} | {ratio} | {p99_ok} | {r.cpu_us:,.0f} |")
    notes = [f"- {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", *notes]
    lines += ["", "## Writes found in the database", "", *write_check]
    lines += ["", "## Peak memory (VmHWM)", ""]
    for name, kib in peaks.items():
        lines.append(f"- {name}: {kib / 1024:.0f} MiB" if kib else f"- {name}: unknown")
    lines += ["", "## Engine: time per worked answer",
              "",
              f"`instantiate(seed)` of every family in `app.generators.GENERATORS` (parameters drawn, engine trace, "
              f"known mistakes), in-process, {args.engine_runs} seeds each, time.perf_counter.",
              "", "| Family | median µs | p90 µs |", "|---|---:|---:|"]
    for name, med, p90 in sorted(engine, key=lambda e: -e[1]):
        lines.append(f"| {name} | {med:,.0f} | {p90:,.0f} |")
    if engine:
        meds = [e[1] for e in engine]
        lines.append(f"| **all {len(engine)} families: median of medians** | {statistics.median(meds):,.0f} | |")
    if large_rows or large_info:
        lines += ["", "## Large bank", "", large_info, "",
                  "| Request | req/s | p50 ms | p99 ms | errors | p99 target | server CPU µs/req |",
                  "|---|---:|---:|---:|---:|:---:|---:|"]
        for r in large_rows:
            lines.append(f"| {r.name} (`{r.method} {r.path}`) | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
                         f"{r.errors} | {fmt_ok(r.p99_ms < TARGET_P99_MS)} | {r.cpu_us:,.0f} |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10, help="seconds of load per row (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load before each row (default 2)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: one core drives far more than one worker serves)")
    p.add_argument("--engine-runs", type=int, default=300, help="seeds per family for the engine timings")
    p.add_argument("--large", dest="large", action="store_true", default=True, help="run the large-bank section (default)")
    p.add_argument("--no-large", dest="large", action="store_false", help="skip the large-bank section")
    p.add_argument("--large-count", type=int, default=50_000, help="questions in the large bank (default 50,000)")
    p.add_argument("--only", choices=["load", "engine", "large"], help="run one section only")
    p.add_argument("--output", type=Path, default=BENCH / "RESULTS.md", help="where the report goes ('-' for nowhere)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder with the databases and logs")
    return p.parse_args(argv)


def _on_sigterm(signum, frame):  # noqa: ANN001, ANN202
    raise SystemExit(128 + signum)  # runs the finally blocks that stop the servers


def load_section(args: argparse.Namespace, wrk: str, pins: tuple[list[str], list[str]], tmp: Path,
                 ) -> tuple[list[Row], list[str], dict[str, int | None]]:
    """The baseline and the app under load, and the write check."""
    server_pin, wrk_pin = pins
    rows: list[Row] = []
    peaks: dict[str, int | None] = {}
    print("bench: baseline (bare Starlette)", flush=True)
    base = Row("bare Starlette baseline", "GET", "/", is_baseline=True)
    with serving("baseline", "baseline:app", env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"), app_dir=BENCH,
                 pin=server_pin, log=tmp / "baseline.log") as srv:
        measure(base, wrk, wrk_pin, srv, args)
        peaks["baseline (bare Starlette)"] = srv.peak_rss_kib()
    rows.append(base)

    data = tmp / "app"
    data.mkdir()
    env = app_env(data)
    print("bench: migrating a fresh database and loading the bank", flush=True)
    migrate(env)
    db_file = data / "deepprep.sqlite3"
    write_check: list[str] = []
    with serving("app", "app.main:app", env=served_env(env), app_dir=ROOT, pin=server_pin,
                 log=tmp / "app.log") as srv:
        cookie, _ = guest_cookie(srv.url)
        user_id = count_rows(db_file, "SELECT user_id FROM attempts ORDER BY id LIMIT 1")
        iv_path, iv_body, iv_note = interview_target(srv.url, cookie)
        print(f"bench: app on {srv.url}, guest user {user_id}; interview: {iv_note}", flush=True)

        # No seed in the URL: like a learner opening it, every request draws new numbers.
        page = Row("question page, computed", "GET", f"/questions/{COMPUTED_SLUG}", check_ratio=True)
        measure(page, wrk, wrk_pin, srv, args, cookie=cookie)
        static = Row("question page, free text", "GET", f"/questions/{STATIC_SLUG}", check_ratio=True)
        measure(static, wrk, wrk_pin, srv, args, cookie=cookie)
        listing = Row("JSON question list", "GET", "/api/questions?limit=50")
        measure(listing, wrk, wrk_pin, srv, args, cookie=cookie)

        post_rows = [
            (Row("practice answer POST, computed", "POST", f"/api/questions/{COMPUTED_SLUG}/answers"),
             json.dumps({"answer": "[0.2, 0.3, 0.5]", "seed": 12345})),
            (Row("practice answer POST, free text", "POST", f"/api/questions/{STATIC_SLUG}/answers"),
             json.dumps({"answer": FREE_TEXT_ANSWER})),
        ]
        for row, body in post_rows:
            count_sql = "SELECT count(*) FROM attempts WHERE user_id = ?"
            counts: list[int] = []

            def settle_and_count() -> None:
                time.sleep(1.0)  # requests still in flight when wrk stopped (warm-up or run) may commit after it
                counts.append(count_rows(db_file, count_sql, user_id))

            s = measure(row, wrk, wrk_pin, srv, args, body=body, cookie=cookie,
                        before=settle_and_count, after=settle_and_count)
            stored, accepted = counts[1] - counts[0], s["s2xx"]
            # The database may hold a few more than wrk counted: answers in flight when wrk stopped its clock.
            ok = accepted <= stored <= accepted + args.connections
            write_check.append(f"- {row.name}: wrk saw {accepted:,} accepted (2xx); attempts rows grew by "
                               f"{stored:,} ({'every accepted answer stored' if ok else '**mismatch**'}"
                               f"{f', {stored - accepted} in flight when wrk stopped' if ok and stored > accepted else ''}).")
            rows.append(row)

        put = Row("interview autosave PUT", "PUT", iv_path or "/api/interviews/{id}/answers/{position}")
        if iv_path:
            measure(put, wrk, wrk_pin, srv, args, body=iv_body, cookie=cookie)
            saved = count_rows(db_file, "SELECT count(*) FROM interview_items i JOIN interviews v ON v.id = i.interview_id "
                                        "WHERE v.public_id = ? AND i.answer IS NOT NULL",
                               iv_path.split("/")[3])
            put.note = f"{iv_note}; {saved} saved answer(s) in the interview afterwards"
        else:
            put.available, put.note = False, iv_note
        rows[1:1] = [page, static, listing]
        rows.append(put)
        peaks["app (one uvicorn worker)"] = srv.peak_rss_kib()
    return rows, write_check, peaks


def large_section(args: argparse.Namespace, wrk: str, pins: tuple[list[str], list[str]], tmp: Path,
                  ) -> tuple[list[Row], str, int | None]:
    """A separate SQLite file grown to --large-count questions: list, filter and search."""
    from large_bank import grow  # bench/ is on sys.path when this file runs as a script

    server_pin, wrk_pin = pins
    data = tmp / "large"
    data.mkdir()
    db_file = data / "large.sqlite3"
    env = app_env(data, db_file)
    print(f"bench: large bank: migrating and growing to {args.large_count:,} questions", flush=True)
    t0 = time.perf_counter()
    migrate(env)
    grown = grow(db_file, args.large_count)
    info = (f"A separate SQLite file with {grown['questions']:,} questions (the bank plus variants with a new slug "
            f"and two extra tags, inserted with app.bank's search text, summary and hash in "
            f"{time.perf_counter() - t0:.1f} s). Same server settings and wrk settings as above; requests carry a "
            f"guest cookie whose user has one attempt.")
    rows = [
        Row("JSON list, first page", "GET", "/api/questions?limit=50"),
        Row("JSON list, page 500", "GET", "/api/questions?limit=50&offset=25000"),
        Row("JSON filter: topic + difficulty + type", "GET", "/api/questions?topic=cnn&difficulty=intermediate&type=free_text"),
        Row("JSON search, common word", "GET", "/api/questions?q=gradient"),
        Row("JSON search, rare word + filter", "GET", "/api/questions?q=zephyr%20layer&difficulty=advanced"),
        Row("HTML list page", "GET", "/questions"),
        Row("HTML search page", "GET", "/questions?q=gradient"),
    ]
    with serving("app-large", "app.main:app", env=served_env(env), app_dir=ROOT, pin=server_pin,
                 log=tmp / "app-large.log", ready_path="/api/topics") as srv:
        cookie, _ = guest_cookie(srv.url)
        for row in rows:
            measure(row, wrk, wrk_pin, srv, args, cookie=cookie)
        peak = srv.peak_rss_kib()
    return rows, info, peak


def main(argv: list[str] | None = None) -> int:
    """Run the sections asked for, print the report and write it."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.path.insert(0, str(BENCH))
    run_load = args.only in (None, "load")
    run_engine = args.only in (None, "engine")
    run_large = args.only == "large" or (args.only is None and args.large)
    wrk = ensure_wrk() if (run_load or run_large) else ""
    pins = cpu_plan()
    tmp = Path(tempfile.mkdtemp(prefix="deepprep-bench-"))
    rows: list[Row] = []
    write_check: list[str] = []
    peaks: dict[str, int | None] = {}
    engine: list[tuple[str, float, float]] = []
    large_rows: list[Row] = []
    large_info = ""
    try:
        if run_load:
            rows, write_check, peaks = load_section(args, wrk, pins, tmp)
        if run_engine:
            print(f"bench: engine, {args.engine_runs} seeds per family", flush=True)
            engine = engine_timings(args.engine_runs)
        if run_large:
            large_rows, large_info, peak = large_section(args, wrk, pins, tmp)
            peaks["app on the large bank"] = peak
    finally:
        if args.keep:
            print(f"bench: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    text = report(args, machine() if shutil.which("wrk") else {k: "" for k in ("cpu", "memory", "os", "python", "sqlite", "wrk", "packages")},
                  bool(pins[0]), rows, write_check, peaks, engine, large_rows, large_info)
    print()
    print(text)
    if str(args.output) != "-":
        args.output.write_text(text, encoding="utf-8")
        print(f"bench: wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
