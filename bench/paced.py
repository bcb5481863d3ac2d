"""A constant-rate HTTP load generator (wrk2-style pacing), for p50/p99 at a fixed rate.

Requests are *scheduled* at a constant rate, whatever the server does; each one's latency runs
from its scheduled time to the end of its response, so a stalled server is charged for the
requests that should have been sent meanwhile (no coordinated omission, unlike a closed loop
with think time). Keep-alive connections in a fixed pool carry the requests; a request whose
time has come waits for a free connection, and that wait is part of its latency.

    .venv/bin/python bench/paced.py --rate 500 --seconds 10 --url http://127.0.0.1:8765/api/v1/ping

``bench/run.py`` imports :func:`run` with its scenarios' items (path, token, accept, body).
Written on asyncio streams with raw HTTP/1.1 so that the generator costs little CPU beside the
server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from urllib.parse import urlsplit


def _request_bytes(host: str, method: str, item: dict) -> bytes:
    body = (item.get("body") or "").encode()
    lines = [f"{method} {item['path']} HTTP/1.1", f"Host: {host}",
             f"Accept: {item.get('accept') or 'application/json'}"]
    if item.get("token"):
        lines.append(f"Authorization: Bearer {item['token']}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _run(url: str, items: list[dict], *, method: str, rate: float, seconds: float,
               connections: int, workers: list[int] | None = None) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    payloads = [_request_bytes(f"{host}:{port}", method, item) for item in items]
    free: asyncio.Queue = asyncio.Queue()
    if workers:
        opened = await _balanced(host, port, connections, workers)
    else:
        opened = [await asyncio.open_connection(host, port) for _ in range(connections)]
    for connection in opened:
        free.put_nowait(connection)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0

    async def one(payload: bytes, scheduled: float) -> None:
        nonlocal errors
        reader, writer = await free.get()
        try:
            writer.write(payload)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - scheduled)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
        free.put_nowait((reader, writer))

    total = int(rate * seconds)
    began = time.perf_counter()
    tasks = []
    for n in range(total):
        scheduled = began + n / rate
        wait = scheduled - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.ensure_future(one(payloads[n % len(payloads)], scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    while not free.empty():
        free.get_nowait()[1].close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 \
            if latencies else 0.0

    return {"rate": rate, "requests": len(latencies), "achieved_rps": len(latencies) / elapsed,
            "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": latencies[-1] * 1000 if latencies else 0,
            "non_2xx": sum(c for s, c in statuses.items() if not 200 <= s < 300),
            "errors": errors}


def run(url: str, items: list[dict], *, method: str = "GET", rate: float, seconds: float = 10,
        connections: int = 32, workers: list[int] | None = None) -> dict:
    """Send ``rate`` × ``seconds`` requests on schedule; latency percentiles in ms. With
    ``workers`` (the server's worker pids, on this machine), the connections are shared out
    evenly between them (``_balanced``)."""
    return asyncio.run(_run(url, items, method=method, rate=rate, seconds=seconds,
                            connections=connections, workers=workers))


def _accepted_by(client_port: int, server_port: int, workers: list[int]) -> int | None:
    """The worker holding the server's end of our connection from ``client_port``, from
    ``/proc`` (Linux, IPv4): the socket's inode in ``/proc/net/tcp``, then the worker with a
    descriptor on it. None while no worker has accepted it yet."""
    inode = None
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in table:
            fields = line.split()
            if (len(fields) > 9 and fields[1].endswith(":" + f"{server_port:04X}")
                    and fields[2].endswith(":" + f"{client_port:04X}") and fields[9] != "0"):
                inode = fields[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in workers:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


async def _balanced(host: str, port: int, connections: int, workers: list[int]) -> list:
    """``connections`` keep-alive connections, as many on each worker as on any other.

    Opened at once, they all tend to land on the worker that wins the first accept (the other
    one then idles and the rate measured is one worker's). So each new connection is traced to
    the worker that accepted it and kept only while that worker is short of its share; after
    ``connections`` × 20 tries, whatever is missing is made up without checking."""
    shares = {pid: connections // len(workers) + (k < connections % len(workers))
              for k, pid in enumerate(workers)}
    kept: dict[int, list] = {pid: [] for pid in workers}
    for _ in range(connections * 20):
        if all(len(kept[pid]) >= shares[pid] for pid in workers):
            break
        reader, writer = await asyncio.open_connection(host, port)
        client_port = writer.get_extra_info("sockname")[1]
        owner = None
        for _ in range(200):  # the accept follows within milliseconds
            owner = _accepted_by(client_port, port, workers)
            if owner is not None:
                break
            await asyncio.sleep(0.005)
        if owner is not None and len(kept[owner]) < shares[owner]:
            kept[owner].append((reader, writer))
        else:
            writer.close()
    # the pool's order alternates the workers, as a balancer would
    lists = [kept[pid] for pid in workers]
    opened = [held[j] for j in range(max(map(len, lists))) for held in lists if j < len(held)]
    while len(opened) < connections:
        opened.append(await asyncio.open_connection(host, port))
    return opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    parts = urlsplit(options.url)
    print(json.dumps(run(f"{parts.scheme}://{parts.netloc}", [{"path": parts.path or "/"}],
                         rate=options.rate, seconds=options.seconds,
                         connections=options.connections)))


if __name__ == "__main__":
    main()
