"""moto servers (with tests/moto_ext.py) forked on demand from one process that imported them once.

A fresh interpreter takes about a second and a half of CPU to import moto and the backends a test
uses; the Rust tests start a server per test, about a hundred in ``make unit``. This process pays
that once and forks a server per request, which answers within a tenth of a second. Each forked
server is a whole moto server of its own (no state is shared: the pool itself never serves a
request, and each server reseeds moto's ids).

The test harness (tests/support) talks to it over stdin and stdout, one line each way:

    start PORT LOGFILE  ->  PID      (a server on 127.0.0.1:PORT, its output in LOGFILE, the
                                      rest of the line)
    alive PID           ->  yes, or how it ended (exit status N, signal N)
    stop PID            ->  ok       (killed and reaped)

End of stdin (the test process exited, however it ended) kills every server still running and
ends the pool, so that no server outlives its test binary.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import traceback

import moto.backends
from moto.moto_api._internal import mock_random

import moto_ext

# The services the tests call: their backends are imported here, once, not in each server, and
# made for the tests' account and region (the Config backend alone takes 0.15 s to make).
SERVICES = ("account", "config", "dynamodb", "iam", "lambda", "sns", "sqs", "ssm", "sts", "kinesis")
ACCOUNT, REGION = "123456789012", "us-east-1"


PR_SET_PDEATHSIG = 1


def serve(port: str, log_path: str, pool: int) -> None:
    """In the forked child: moto on 127.0.0.1:PORT, never returning to the pool's loop."""
    try:
        # Killed with the pool, however the pool ends (and if it ended before this was set).
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != pool:
            return
        # moto's ids come from a generator of its own, which a fork copies: each server
        # draws its own, as a server started apart would.
        mock_random.seed()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        moto_ext.main(["-H", "127.0.0.1", "-p", port])
    except BaseException:  # noqa: BLE001 - whatever ends the server goes to its log
        traceback.print_exc()
    finally:
        os._exit(1)


def ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def main() -> None:
    moto_ext.install()
    for service in SERVICES:
        backends = moto.backends.get_backend(service)[ACCOUNT]
        backends[REGION if REGION in backends.regions else "aws"]  # IAM, STS: by partition
    running: set[int] = set()
    try:
        for line in sys.stdin:
            try:
                answer(line, running)
            except Exception as error:  # noqa: BLE001 - a request that fails fails alone
                print(f"error: {line.strip()!r}: {error!r}", flush=True)
    finally:
        for pid in running:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def answer(line: str, running: set[int]) -> None:
    """Carries out one request line and prints its answer."""
    # The log file's path may hold spaces: it is the rest of the line.
    command, *args = line.rstrip("\n").split(" ", 2)
    if args and not args[0].isdigit():
        command = "?"
    if command == "start" and len(args) == 2:
        pool = os.getpid()
        pid = os.fork()
        if pid == 0:
            serve(*args, pool)
        running.add(pid)
        print(pid, flush=True)
    elif command == "alive" and len(args) == 1 and int(args[0]) in running:
        pid = int(args[0])
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            running.discard(pid)
        print("yes" if not done else ended(status), flush=True)
    elif command == "stop" and len(args) == 1:
        pid = int(args[0])
        if pid in running:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            running.discard(pid)
        print("ok", flush=True)
    else:
        print(f"error: {line.strip()!r} is not start PORT LOGFILE, alive PID or stop PID", flush=True)


if __name__ == "__main__":
    main()
