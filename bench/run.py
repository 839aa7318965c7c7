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
sys.path.insert(0, str(ROOT))
from app.cli import UVICORN_LOOP  # noqa: E402  (the loop `deepprep serve` runs)

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
        # The same uvicorn settings for the app and the baseline, those of `deepprep serve`: one worker,
        # asyncio's loop (see app.cli), httptools, no access log (it would be the benchmark of a log file).
        cmd = [*pin, PY, "-m", "uvicorn", app, "--app-dir", str(app_dir), "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", "1", "--loop", UVICORN_LOOP, "--http", "httptools",
               "--log-level", "warning", "--no-access-log"]
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

    def settle(self, timeout: float = 180.0) -> float:
        """Wait until the server is idle (requests wrk gave up on are still being served); the seconds waited."""
        started = time.monotonic()
        last = self.cpu_seconds()
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - last < 0.05:  # under 10% of a core over half a second
                break
            last = now
        return time.monotonic() - started

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
    reference: bool = False  # shown for comparison, no targets
    check_ratio: bool = False
    drained_s: float = 0.0  # how long the server kept working after wrk stopped


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
    server.settle()
    if before is not None:
        before()
    cpu0 = server.cpu_seconds()
    s = run_wrk(wrk, pin, url, seconds=args.duration, connections=args.connections, threads=args.threads,
                method=row.method, body=body, cookie=cookie)
    cpu1 = server.cpu_seconds()
    row.drained_s = server.settle()
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
    if not s["requests"]:  # nothing came back within the run: every latency is longer than the run
        row.p50_ms = row.p99_ms = float("inf")
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
    wrk_path = shutil.which("wrk")
    wrk_v = subprocess.run([wrk_path, "--version"], capture_output=True, text=True).stdout.split("\n")[0] if wrk_path else ""
    return {"cpu": f"{cpu}, {os.cpu_count()} cores", "memory": mem, "os": os_name,
            "python": f"Python {platform.python_version()} ({sys.implementation.name})",
            "packages": ", ".join(versions), "wrk": " ".join(wrk_v.split()[:2]),
            "sqlite": f"SQLite {sqlite3.sqlite_version}"}


def ms(value: float) -> str:
    """A latency cell; infinite when no response came back within the run."""
    return "no response" if value == float("inf") else f"{value:,.1f}"


def lat(value: float) -> str:
    """A latency in a sentence."""
    return "(no response within the run)" if value == float("inf") else f"{value:,.0f} ms"


def fmt_ok(ok: bool | None) -> str:
    """A table cell for a target: yes, **no**, or empty when it does not apply."""
    return "" if ok is None else ("yes" if ok else "**no**")


def loadavg() -> str:
    """The 1-minute load average: other work on the machine makes req/s and latencies worse."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


@dataclass
class Results:
    """Everything the report shows."""

    rows: list[Row] = field(default_factory=list)
    write_check: list[tuple[str, bool]] = field(default_factory=list)
    peaks: dict[str, int | None] = field(default_factory=dict)
    engine: list[tuple[str, float, float]] = field(default_factory=list)
    large_rows: list[Row] = field(default_factory=list)
    large_info: str = ""
    load_before: str = ""
    load_after: str = ""


def _load_table(rows: list[Row], base: Row | None) -> list[str]:
    out = ["| Request | req/s | p50 ms | p99 ms | errors | req/s ÷ baseline | CPU ÷ baseline | server CPU µs/req |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        label = f"{r.name} (`{r.method} {r.path}`)" + (" *reference*" if r.reference else "")
        if not r.available:
            out.append(f"| {label} | not available | | | | | | |")
            continue
        ratio = f"{r.rps / base.rps:.3f}" if base and base.rps else ""
        cpu_ratio = f"{base.cpu_us / r.cpu_us:.3f}" if base and base.cpu_us and r.cpu_us else ""
        out.append(f"| {label} | {r.rps:,.0f} | {ms(r.p50_ms)} | {ms(r.p99_ms)} | {r.errors} | {ratio} | {cpu_ratio} | "
                   f"{r.cpu_us:,.0f} |")
    return out


def targets(res: Results) -> list[str]:
    """Each target of issue 6, met or missed, with the rows that miss it."""
    base = next((r for r in res.rows if r.is_baseline), None)
    app_rows = [r for r in res.rows if r.available and not r.is_baseline and not r.reference]
    out = ["| Target | Met | Detail |", "|---|:---:|---|"]
    pages = [r for r in app_rows if r.check_ratio]
    if base and base.rps and pages:
        detail = "; ".join(f"{r.name}: {r.rps / base.rps:.3f} (by CPU per request {base.cpu_us / r.cpu_us:.3f})"
                           for r in pages if r.cpu_us)
        out.append(f"| question page ≥ {TARGET_RATIO} of the baseline (req/s) | "
                   f"{fmt_ok(all(r.rps / base.rps >= TARGET_RATIO for r in pages))} | {detail} |")
    slow = [f"{r.name} {lat(r.p99_ms)}" for r in app_rows if r.p99_ms >= TARGET_P99_MS]
    if app_rows:
        out.append(f"| p99 under {TARGET_P99_MS:g} ms on the {len(app_rows)} app rows | {fmt_ok(not slow)} | "
                   f"{'missed by: ' + ', '.join(slow) if slow else 'all under'} |")
        errs = [f"{r.name}: {r.errors} ({', '.join(f'{k}={v}' for k, v in r.statuses.items())})"
                for r in app_rows if r.errors]
        out.append(f"| no errors | {fmt_ok(not errs)} | {'; '.join(errs) if errs else 'none'} |")
    if res.write_check:
        out.append(f"| every accepted POST in the database | {fmt_ok(all(ok for _, ok in res.write_check))} | "
                   f"see below |")
    missing = [r.name for r in res.rows if not r.available]
    if missing:
        out.append(f"| all rows measured | **no** | not available: {', '.join(missing)} |")
    if res.large_rows:
        slow = [f"{r.name} {lat(r.p99_ms)}" for r in res.large_rows if r.p99_ms >= TARGET_P99_MS or r.errors]
        out.append(f"| large bank: list, filter, search p99 under {TARGET_P99_MS:g} ms | {fmt_ok(not slow)} | "
                   f"{'missed by: ' + ', '.join(slow) if slow else 'all under'} |")
    return out


def report(args: argparse.Namespace, mach: dict[str, str], pinned: bool, res: Results) -> str:
    """The Markdown report: machine, targets, load table, write check, memory, engine table, large bank."""
    base = next((r for r in res.rows if r.is_baseline), None)
    lines = [
        "# deepprep benchmarks",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` (`bench/run.py`): "
        f"wrk with {args.connections} connections and {args.threads} thread{'s' if args.threads > 1 else ''}, "
        f"{args.duration:g} s per row after a {args.warmup:g} s warm-up; one uvicorn worker for the app and for "
        f"the baseline with the same settings ({UVICORN_LOOP} loop, httptools, no access log); "
        + ("the server pinned to one core and wrk to the other(s) with taskset." if pinned
           else "not pinned (fewer than two cores, or no taskset)."),
        "The app serves a fresh SQLite database (migrated and the bank loaded, as after `make run`); every app "
        "request carries one guest's cookies (guest identity and CSRF).",
        "",
        "**Machine:** " + "; ".join(mach[k] for k in ("cpu", "memory", "os", "python", "sqlite", "wrk") if mach.get(k))
        + f". Load average {res.load_before} before the run and {res.load_after} after it"
        + (" (other work shared the machine: req/s and latencies are lower than on an idle one; "
           "server CPU per request is the steadier figure)." if _busy(res.load_before, res.load_after) else "."),
        "",
        f"**Packages:** {mach.get('packages', '')}.",
    ]
    lines += ["", "## Targets (issue 6)", "", *targets(res)]
    if res.rows:
        lines += ["", "## Load", "",
                  "req/s ÷ baseline is the issue's ratio; CPU ÷ baseline is the same ratio from the server's CPU time "
                  "per request (user + system, /proc/<pid>/stat), which other load on the machine disturbs less. "
                  "*Reference* rows are not the app: a FastAPI app (`bench/fastapi_floor.py`) returning the same "
                  "kind of string from an async route, and from a sync route with a sync dependency (the shape of "
                  "deepprep's routes), to show what the framework alone costs.",
                  "", *_load_table(res.rows, base)]
        notes = [f"- {r.name}: {r.note}" for r in res.rows if r.note]
        notes += [f"- {r.name}: the server kept working {r.drained_s:.0f} s after wrk stopped (requests wrk gave up on)"
                  for r in res.rows if r.drained_s >= 2]
        if notes:
            lines += ["", *notes]
    if res.write_check:
        lines += ["", "## Writes found in the database", "", *[text for text, _ in res.write_check]]
    if res.peaks:
        lines += ["", "## Peak memory (VmHWM of the server process)", ""]
        for name, kib in res.peaks.items():
            lines.append(f"- {name}: {kib / 1024:.0f} MiB" if kib else f"- {name}: unknown")
    if res.engine:
        lines += ["", "## Engine: time per worked answer", "",
                  f"`instantiate(seed)` of every family in `app.generators.GENERATORS` (parameters drawn, engine "
                  f"trace, known mistakes), in-process, {args.engine_runs} seeds each, timed with "
                  f"time.perf_counter; slowest first.",
                  "", "| Family | median µs | p90 µs |", "|---|---:|---:|"]
        for name, med, p90 in sorted(res.engine, key=lambda e: -e[1]):
            lines.append(f"| {name} | {med:,.0f} | {p90:,.0f} |")
        meds = [e[1] for e in res.engine]
        lines.append(f"| *median of the {len(res.engine)} medians* | {statistics.median(meds):,.0f} | |")
    if res.large_rows or res.large_info:
        lines += ["", "## Large bank", "", res.large_info, "",
                  "| Request | req/s | p50 ms | p99 ms | errors | server CPU µs/req |", "|---|---:|---:|---:|---:|---:|"]
        for r in res.large_rows:
            lines.append(f"| {r.name} (`{r.method} {r.path}`) | {r.rps:,.0f} | {ms(r.p50_ms)} | {ms(r.p99_ms)} | "
                         f"{r.errors} | {r.cpu_us:,.0f} |")
        notes = [f"- {r.name}: the server kept working {r.drained_s:.0f} s after wrk stopped (requests wrk gave up on)"
                 for r in res.large_rows if r.drained_s >= 2]
        if notes:
            lines += ["", *notes]
    return "\n".join(lines) + "\n"


def _busy(*loads: str) -> bool:
    try:
        return max(float(x) for x in loads if x and x != "?") > 1.0
    except ValueError:
        return False


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=10, help="seconds of load per row (default 10)")
    p.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load before each row (default 2)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=1,
                   help="wrk threads (default 1: one core drives far more than one worker serves)")
    p.add_argument("--engine-runs", type=int, default=300, help="seeds per family for the engine timings")
    p.add_argument("--large", dest="large", action="store_true", default=True,
                   help="run the large-bank section (the default)")
    p.add_argument("--no-large", dest="large", action="store_false", help="skip the large-bank section")
    p.add_argument("--large-count", type=int, default=50_000, help="questions in the large bank (default 50,000)")
    p.add_argument("--only", choices=["load", "engine", "large"], help="run one section only")
    p.add_argument("--output", default=str(BENCH / "RESULTS.md"), help="where the report goes ('-' for nowhere)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder with the databases and logs")
    return p.parse_args(argv)


def _on_sigterm(signum, frame):  # noqa: ANN001, ANN202
    raise SystemExit(128 + signum)  # runs the finally blocks that stop the servers


def load_section(args: argparse.Namespace, wrk: str, pins: tuple[list[str], list[str]], tmp: Path,
                 res: Results) -> None:
    """The baseline, the FastAPI reference and the app under load; the write check."""
    server_pin, wrk_pin = pins
    print("bench: baseline (bare Starlette) and the FastAPI reference", flush=True)
    plain_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    base = Row("bare Starlette baseline", "GET", "/", is_baseline=True)
    with serving("baseline", "baseline:app", env=plain_env, app_dir=BENCH, pin=server_pin,
                 log=tmp / "baseline.log") as srv:
        measure(base, wrk, wrk_pin, srv, args)
        res.peaks["baseline (bare Starlette)"] = srv.peak_rss_kib()
    floor = [Row("FastAPI, async route", "GET", "/async", reference=True),
             Row("FastAPI, sync route + sync dependency", "GET", "/sync", reference=True)]
    with serving("fastapi-floor", "fastapi_floor:app", env=plain_env, app_dir=BENCH, pin=server_pin,
                 log=tmp / "floor.log", ready_path="/async") as srv:
        for row in floor:
            measure(row, wrk, wrk_pin, srv, args)

    data = tmp / "app"
    data.mkdir()
    env = app_env(data)
    print("bench: migrating a fresh database and loading the bank", flush=True)
    migrate(env)
    db_file = data / "deepprep.sqlite3"
    with serving("app", "app.main:app", env=served_env(env), app_dir=ROOT, pin=server_pin,
                 log=tmp / "app.log") as srv:
        cookie, _ = guest_cookie(srv.url)
        user_id = count_rows(db_file, "SELECT user_id FROM attempts ORDER BY id LIMIT 1")
        iv_path, iv_body, iv_note = interview_target(srv.url, cookie)
        print(f"bench: app on {srv.url}, guest user {user_id}; interview: {iv_note}", flush=True)

        # No seed in the URL: the guest's current instance, as a learner opening it sees (it changes once answered).
        page = Row("question page, computed", "GET", f"/questions/{COMPUTED_SLUG}", check_ratio=True)
        static = Row("question page, free text", "GET", f"/questions/{STATIC_SLUG}", check_ratio=True)
        listing = Row("JSON question list", "GET", "/api/questions?limit=50")
        for row in (page, static, listing):
            measure(row, wrk, wrk_pin, srv, args, cookie=cookie)

        posts: list[Row] = []
        for row, body in (
            (Row("practice answer POST, computed", "POST", f"/api/questions/{COMPUTED_SLUG}/answers"),
             json.dumps({"answer": "[0.2, 0.3, 0.5]", "seed": 12345})),
            (Row("practice answer POST, free text", "POST", f"/api/questions/{STATIC_SLUG}/answers"),
             json.dumps({"answer": FREE_TEXT_ANSWER})),
        ):
            count_sql = "SELECT count(*) FROM attempts WHERE user_id = ?"
            counts: list[int] = []

            def count(sql: str = count_sql, into: list[int] = counts) -> None:
                into.append(count_rows(db_file, sql, user_id))

            # measure() waits for the server to finish every request (warm-up's included) before each count.
            s = measure(row, wrk, wrk_pin, srv, args, body=body, cookie=cookie, before=count, after=count)
            stored, accepted = counts[1] - counts[0], s["s2xx"]
            # Answers wrk stopped waiting for (in flight at the end, or timed out) may be stored without a 2xx seen.
            slack = args.connections + s["err_timeout"] + s["err_read"]
            ok = accepted <= stored <= accepted + slack
            extra = f", {stored - accepted} more that wrk stopped waiting for" if ok and stored > accepted else ""
            res.write_check.append((f"- {row.name}: wrk saw {accepted:,} accepted (2xx); the attempts table grew by "
                                    f"{stored:,} ({'every accepted answer stored' if ok else '**mismatch**'}{extra}).",
                                    ok))
            posts.append(row)

        put = Row("interview autosave PUT", "PUT", iv_path or "/api/interviews/{id}/answers/{position}")
        if iv_path:
            measure(put, wrk, wrk_pin, srv, args, body=iv_body, cookie=cookie)
            public_id = iv_path.split("/")[3]
            saved = count_rows(db_file, "SELECT count(*) FROM interview_items i JOIN interviews v ON "
                                        "v.id = i.interview_id WHERE v.public_id = ? AND i.answer IS NOT NULL", public_id)
            put.note = f"{iv_note}; {saved} saved answer(s) in the interview afterwards"
        else:
            put.available, put.note = False, iv_note
        res.peaks["app (one uvicorn worker)"] = srv.peak_rss_kib()
    res.rows = [base, page, static, listing, *posts, put, *floor]


def large_section(args: argparse.Namespace, wrk: str, pins: tuple[list[str], list[str]], tmp: Path,
                  res: Results) -> None:
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
    res.large_info = (
        f"A separate SQLite file with {grown['questions']:,} questions: the bank, then variants of its questions "
        f"with a new slug and two extra tags, their search text, summary and hash from app.bank's functions "
        f"(built and inserted in {time.perf_counter() - t0:.0f} s). Same server and wrk settings as above; the "
        f"requests carry a guest's cookies (one attempt). Target: p99 under {TARGET_P99_MS:g} ms.")
    middle = grown["questions"] // 100 * 50  # a page in the middle of the bank
    res.large_rows = [
        Row("JSON list, first page", "GET", "/api/questions?limit=50"),
        Row(f"JSON list, page {middle // 50 + 1}", "GET", f"/api/questions?limit=50&offset={middle}"),
        Row("JSON filter: topic + difficulty + type", "GET",
            "/api/questions?topic=cnn&difficulty=intermediate&type=free_text"),
        Row("JSON search, a common word", "GET", "/api/questions?q=gradient"),
        Row("JSON search, a rare word + filter", "GET", "/api/questions?q=zephyr%20layer&difficulty=advanced"),
        Row("HTML list page", "GET", "/questions"),
        Row("HTML search page", "GET", "/questions?q=gradient"),
    ]
    with serving("app-large", "app.main:app", env=served_env(env), app_dir=ROOT, pin=server_pin,
                 log=tmp / "app-large.log", ready_path="/api/topics") as srv:
        cookie, _ = guest_cookie(srv.url)
        for row in res.large_rows:
            measure(row, wrk, wrk_pin, srv, args, cookie=cookie)
        res.peaks["app on the large bank"] = srv.peak_rss_kib()


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
    res = Results(load_before=loadavg())
    try:
        if run_load:
            load_section(args, wrk, pins, tmp, res)
        if run_engine:
            print(f"bench: engine, {args.engine_runs} seeds per family", flush=True)
            res.engine = engine_timings(args.engine_runs)
        if run_large:
            large_section(args, wrk, pins, tmp, res)
    finally:
        if args.keep:
            print(f"bench: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res.load_after = loadavg()
    text = report(args, machine(), bool(pins[0]), res)
    print()
    print(text)
    if args.output != "-":
        out = Path(args.output)
        out.write_text(text, encoding="utf-8")
        print(f"bench: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
