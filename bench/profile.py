"""Where a request's time goes: the app under wrk, sampled by py-spy, summarised per function.

    .venv/bin/python bench/profile.py "/questions/softmax-temperature-computed"
    .venv/bin/python bench/profile.py /api/questions/relu-pros-cons/answers --method POST --body '{"answer": "x"}'

Starts the app as bench/run.py does (fresh SQLite database, one uvicorn worker pinned to CPU 0, a guest
cookie and a CSRF cookie on every request), drives one path with wrk from the other core(s), and records
with `py-spy record` (idle threads left out). With --connections 1 one request is in flight at a time, so
the shares are shares of one request's time; at 32 connections threads waiting for the GIL are sampled
too (--gil samples only the GIL holder, but py-spy may miss the holder on some Pythons). Prints the
functions with the largest inclusive and self shares. Needs py-spy in the virtualenv (`.venv/bin/pip install py-spy`); --raw keeps the stacks
for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402
    ROOT,
    app_env,
    cpu_plan,
    ensure_wrk,
    guest_cookie,
    migrate,
    run_wrk,
    served_env,
    serving,
)

# Leaf frames of a thread that waits: the event loop in C (uvloop), idle pool workers, locks, queues.
IDLE = ("select (selectors", "wait (threading", "get (queue", "epoll", "Runner.run (asyncio", "_worker (concurrent")


def summarise(raw: Path, top: int, pattern: str | None) -> str:
    """Inclusive and self shares per function from py-spy's raw (collapsed) stacks."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if any(k in frames[-1] for k in IDLE):
            continue
        total += n
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    out = [f"{total} samples of busy threads", "", "inclusive:"]
    shown = 0
    for f, n in inclusive.most_common():
        if pattern and not re.search(pattern, f):
            continue
        out.append(f"  {100 * n / total:5.1f}%  {f[:160]}")
        shown += 1
        if shown >= top:
            break
    out += ["", "self:"]
    out += [f"  {100 * n / total:5.1f}%  {f[:160]}" for f, n in own.most_common(top // 2)]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", help="the path to drive, e.g. /questions/relu-pros-cons")
    p.add_argument("--method", default="GET")
    p.add_argument("--body", help="JSON body for POST/PUT")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=60)
    p.add_argument("--match", help="only show inclusive entries matching this regex (e.g. 'app/|jinja|sqlalchemy')")
    p.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL (py-spy --gil)")
    p.add_argument("--raw", type=Path, help="also keep py-spy's raw stacks here")
    args = p.parse_args()

    pyspy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not pyspy:
        sys.exit("profile: py-spy is needed: .venv/bin/pip install py-spy")
    wrk = ensure_wrk()
    server_pin, wrk_pin = cpu_plan()
    tmp = Path(tempfile.mkdtemp(prefix="deepprep-profile-"))
    try:
        data = tmp / "app"
        data.mkdir()
        env = app_env(data)
        migrate(env)
        with serving("app", "app.main:app", env=served_env(env), app_dir=ROOT, pin=server_pin,
                     log=tmp / "app.log") as srv:
            cookie, _ = guest_cookie(srv.url)
            run_wrk(wrk, wrk_pin, srv.url + args.path, seconds=2, connections=args.connections, threads=1,
                    method=args.method, body=args.body, cookie=cookie)
            raw = tmp / "stacks.txt"
            spy = subprocess.Popen([pyspy, "record", *(["--gil"] if args.gil else []), "-p", str(srv.proc.pid),
                                    "-r", str(args.rate), "-d", str(int(args.seconds) + 1), "-f", "raw", "-o", str(raw)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
            try:
                time.sleep(0.5)
                s = run_wrk(wrk, wrk_pin, srv.url + args.path, seconds=args.seconds, connections=args.connections,
                            threads=1, method=args.method, body=args.body, cookie=cookie)
                _, err = spy.communicate(timeout=args.seconds + 60)
            finally:
                if spy.poll() is None:
                    spy.kill()
                    spy.wait()
        seconds = s["duration_us"] / 1e6
        print(f"{args.method} {args.path}: {s['requests'] / seconds:,.0f} req/s, p50 {s['p50_us'] / 1000:.1f} ms, "
              f"p99 {s['p99_us'] / 1000:.1f} ms, 2xx {s['s2xx']}, other {s['requests'] - s['s2xx']}")
        if not raw.exists():
            print(f"profile: py-spy wrote nothing:\n{err}", file=sys.stderr)
            return 1
        if args.raw:
            shutil.copy(raw, args.raw)
        print(summarise(raw, args.top, args.match))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
