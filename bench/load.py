"""A small HTTP/1.1 load generator for loopback benchmarks, with no dependency outside the standard library.

Two ways to load a server:

- closed loop (``closed_loop``): N connections, each sends its next request when the previous answer arrived. It
  finds the saturation throughput; its latencies are not meaningful (the client slows down with the server).
- open loop (``open_loop``): requests start on a fixed schedule (a constant rate) whatever the server does, and a
  request's latency counts from its *scheduled* start, so a stalled server shows up as latency instead of hiding
  as fewer requests (coordinated omission).

Both are bounded twice: a request cap and a time cap, whichever comes first. Only loopback addresses are accepted:
this is a tool for measuring a server on the same machine, never for loading someone else's.

The server's own time is read from its ``Server-Timing`` header (``name;dur=<ms>``, several metrics allowed).

    python -m bench.load http://127.0.0.1:8000/healthz --connections 4 --seconds 5
    python -m bench.load http://127.0.0.1:8000/healthz --rate 500 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SERVER_TIMING_METRIC = re.compile(r"([A-Za-z0-9_-]+)\s*;[^,]*?dur=([0-9.]+)")
# More requests in flight than this in an open loop means the server cannot keep up: they are counted as late.
MAX_IN_FLIGHT = 512


@dataclass(frozen=True)
class Target:
    """One request, sent again and again."""

    url: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self):
        parts = urlsplit(self.url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK:
            raise ValueError(f"only http:// on a loopback address is allowed, not {self.url!r}")

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname, parts.port or 80

    def request_bytes(self) -> bytes:
        parts = urlsplit(self.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{self.method} {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(self.body)}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Result:
    """What one load run saw. Latencies and server times are in milliseconds."""

    mode: str
    seconds: float = 0.0
    completed: int = 0
    errors: int = 0
    late: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    server_ms: dict[str, list[float]] = field(default_factory=dict)
    client_cpu_seconds: float = 0.0
    stopped_by: str = ""

    @property
    def throughput(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def latency(self, p: float) -> float | None:
        return percentile(self.latencies_ms, p)

    def server(self, metric: str, p: float) -> float | None:
        return percentile(self.server_ms.get(metric, []), p)

    def summary(self) -> dict:
        metrics = {
            name: {"p50": percentile(values, 50), "p99": percentile(values, 99), "count": len(values)}
            for name, values in self.server_ms.items()
        }
        return {
            "mode": self.mode,
            "seconds": round(self.seconds, 3),
            "completed": self.completed,
            "throughput": round(self.throughput, 1),
            "errors": self.errors,
            "late": self.late,
            "statuses": dict(self.statuses),
            "client_p50_ms": self.latency(50),
            "client_p99_ms": self.latency(99),
            "server_ms": metrics,
            "client_cpu_share": round(self.client_cpu_seconds / self.seconds, 2) if self.seconds else None,
            "stopped_by": self.stopped_by,
        }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every reported value was really observed)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return round(ordered[rank - 1], 3)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: sends a request, collects the response (Content-Length bodies only)."""

    def __init__(self):
        self.transport = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        self._complete_if_ready()

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection before answering"))

    def _complete_if_ready(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers: dict[str, list[str]] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        if len(self.buffer) - end - 4 < length:
            return
        del self.buffer[: end + 4 + length]
        status = int(head[0].split(" ", 2)[1])
        keep = headers.get("connection", [""])[0].lower() != "close" and head[0].startswith("HTTP/1.1")
        self.waiter.set_result((status, headers.get("server-timing", []), keep))

    async def exchange(self, request: bytes):
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


class _Client:
    """Sends the target's request over a pool of keep-alive connections (a new one when the server closes)."""

    def __init__(self, target: Target, result: Result):
        self.target = target
        self.request = target.request_bytes()
        self.result = result
        self.idle: list[_Connection] = []

    async def send(self, scheduled: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        started = scheduled if scheduled is not None else time.perf_counter()
        connection = None
        try:
            connection = self.idle.pop() if self.idle else await self._connect(loop)
            status, timings, keep = await connection.exchange(self.request)
        except (OSError, ConnectionError):
            self.result.errors += 1
            return
        self._record(started, status, timings)
        if keep and not connection.closed:
            self.idle.append(connection)
        else:
            connection.transport.close()

    async def _connect(self, loop) -> _Connection:
        _, protocol = await loop.create_connection(_Connection, *self.target.address)
        return protocol

    def _record(self, started: float, status: int, timings: list[str]) -> None:
        self.result.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.result.statuses[status] += 1
        if status >= 400:
            self.result.errors += 1
        self.result.completed += 1
        for header in timings:
            for name, duration in SERVER_TIMING_METRIC.findall(header):
                self.result.server_ms.setdefault(name, []).append(float(duration))

    def close(self) -> None:
        for connection in self.idle:
            connection.transport.close()


async def _closed_loop(target: Target, connections: int, max_requests: int, max_seconds: float) -> Result:
    result = Result(mode=f"closed loop, {connections} connections")
    client = _Client(target, result)
    deadline = time.perf_counter() + max_seconds
    budget = {"left": max_requests}

    async def worker():
        while budget["left"] > 0 and time.perf_counter() < deadline:
            budget["left"] -= 1
            await client.send()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds, result.client_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    result.stopped_by = "request cap" if budget["left"] <= 0 else "time cap"
    client.close()
    return result


async def _open_loop(target: Target, rate: float, max_requests: int, max_seconds: float) -> Result:
    result = Result(mode=f"open loop, {rate:.0f} req/s")
    client = _Client(target, result)
    total = min(max_requests, int(rate * max_seconds))
    started, cpu = time.perf_counter(), time.process_time()
    in_flight: set[asyncio.Task] = set()
    for index in range(total):
        scheduled = started + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= MAX_IN_FLIGHT:
            result.late += 1
            continue
        task = asyncio.create_task(client.send(scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight, timeout=max(1.0, max_seconds / 2))
    result.seconds, result.client_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    result.stopped_by = "request cap" if total == max_requests else "time cap"
    client.close()
    return result


def closed_loop(target: Target, *, connections: int = 8, max_requests: int = 50_000, max_seconds: float = 5) -> Result:
    """Saturation throughput: ``connections`` requests always outstanding, until a cap is reached."""
    return _run(_closed_loop(target, connections, max_requests, max_seconds))


def open_loop(target: Target, *, rate: float, max_requests: int = 50_000, max_seconds: float = 5) -> Result:
    """Latency at a fixed request rate (requests per second), counted from each request's scheduled start."""
    if rate <= 0:
        raise ValueError("the rate must be above 0 requests per second")
    return _run(_open_loop(target, rate, max_requests, max_seconds))


def sequential(target: Target, *, max_requests: int = 50, max_seconds: float = 10) -> Result:
    """One request at a time: the latency of a single user (pages, list endpoints)."""
    result = closed_loop(target, connections=1, max_requests=max_requests, max_seconds=max_seconds)
    result.mode = "sequential"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="request body (sent as is)")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--connections", type=int, default=8, help="closed loop: requests outstanding")
    parser.add_argument("--rate", type=float, help="open loop at this many requests per second")
    parser.add_argument("--requests", type=int, default=50_000, help="request cap")
    parser.add_argument("--seconds", type=float, default=5.0, help="time cap")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    target = Target(args.url, args.method, {k.strip(): v.strip() for k, v in headers.items()}, args.body.encode())
    if args.rate:
        result = open_loop(target, rate=args.rate, max_requests=args.requests, max_seconds=args.seconds)
    else:
        result = closed_loop(target, connections=args.connections, max_requests=args.requests, max_seconds=args.seconds)
    print(json.dumps(result.summary(), indent=2))
    return 0


def _run(coroutine):
    """asyncio.run, also from a thread that already has a running event loop (a caller that uses Playwright's sync
    API, say): the load then runs on a loop of its own in a short-lived thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


if __name__ == "__main__":
    raise SystemExit(main())
