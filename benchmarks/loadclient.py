"""A minimal HTTP/1.1 load client: keep-alive GETs on loopback, nothing else.

Why not httpx (or aiohttp): the clients run on the same two cores as the server they measure,
so every millisecond of CPU the client spends per request is taken from the server and shows
as server latency. httpx's async client spent about 2.7 ms of CPU a request here: twenty httpx
clients fetched the static file at 329 requests a second, fewer than one client did (368), so
the floor measured the client, not the server. This client sends a request prepared once as
bytes and reads the answer's status line, headers and body (``Content-Length`` or chunked):
what a load generator such as wrk does, in a few lines of asyncio streams, so that the benchmark
needs nothing outside Python.

It is for the benchmark only: no TLS, no redirects, no cookies beyond the one given, no proxy.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    rate: float
    p50: float
    p95: float


class Connection:
    """One keep-alive connection that sends GETs one after another."""

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port = host, port
        self._head = f"Host: {host}:{port}\r\nCookie: {cookie}\r\nAccept: text/html\r\n\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """Send one GET and read the whole answer; returns its status code."""
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        writer.write(f"GET {path} HTTP/1.1\r\n{self._head}".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)  # the chunk and its CRLF
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
        self._reader = self._writer = None


async def load(host: str, port: int, cookie: str, name: str, paths: Callable[[], str],
               clients: int, seconds: float) -> Result:
    """``clients`` connections, each sending the next request as soon as the previous answer
    has arrived, for ``seconds``; latency percentiles in milliseconds."""
    connections = [Connection(host, port, cookie) for _ in range(clients)]
    for connection in connections:  # open every connection and warm the server's caches
        await connection.get(paths())
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(connection: Connection) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            status = await connection.get(paths())
            latencies.append(time.perf_counter() - start)
            errors += status != 200

    began = time.perf_counter()
    await asyncio.gather(*(client(connection) for connection in connections))
    elapsed = time.perf_counter() - began
    for connection in connections:
        await connection.close()
    cuts = statistics.quantiles(latencies, n=100)
    return Result(name, len(latencies), errors, len(latencies) / elapsed, cuts[49] * 1000,
                  cuts[94] * 1000)
