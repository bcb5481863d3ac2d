"""The multi-host drill: two web hosts and two scheduler hosts, each in its own network
namespace (``ip netns`` and a veth pair), against one PostgreSQL and one Redis. Under a load of
submissions spread over both web hosts, one web host and the leading scheduler host die (every
process of the host gets SIGKILL and its network goes): no acknowledged write is lost, the other
web host keeps serving, the standby scheduler leads within ``TAKEOVER_SECONDS`` and nothing is
done twice (one escalation per request and hop, one red-light notice per request).

The hosts reach the database, Redis and the WeChat fake through forwarders on an address of the
root namespace (the shared services listen on loopback only). Creating namespaces needs root
(CAP_NET_ADMIN) and iproute2; where the machine cannot, the drill says why and is skipped.
Marked ``multihost`` (and ``faults``); PostgreSQL only: the drill is about a database server
shared by hosts.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select
from sqlalchemy.engine import make_url

from server.extensions import db
from server.notifications.models import Notification
from server.requests import service
from server.requests.models import Event
from tests.conftest import PG_URL
from tests.faults.conftest import TIMEOUT, Load, assert_all_persisted, login

pytestmark = [pytest.mark.faults, pytest.mark.multihost]

ROOT = Path(__file__).resolve().parents[2]
TAKEOVER_SECONDS = 5  # the standby leads this soon after the leader's host dies
REDIS = ("127.0.0.1", 6379)
DUE = 24  # requests whose escalation and red light are due when the schedulers start


def _cannot_make_namespaces() -> str | None:
    if sys.platform != "linux":
        return "network namespaces exist on Linux only"
    if shutil.which("ip") is None:
        return "iproute2 ('ip') is not installed"
    if os.geteuid() != 0:
        return "creating network namespaces needs root (CAP_NET_ADMIN)"
    probe = f"hyprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"'ip netns add' failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    assert done.returncode == 0, f"ip {' '.join(args)}: {done.stderr}"


class Forward:
    """A TCP forwarder in the test process: ``listen`` (an address hosts can reach) to ``target``
    (a service on loopback). A connection closed on one side is closed on the other, as a
    direct connection would be."""

    def __init__(self, listen_host: str, target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server((listen_host, 0))
        self.address = (listen_host, self.server.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=TIMEOUT)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [])
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self.closed.set()
        self.server.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


class Host:
    """A network namespace joined to the root namespace by a veth pair (a /30 of its own)."""

    def __init__(self, name: str, subnet: int):
        self.name = name
        self.outside, self.address = f"10.231.{subnet}.1", f"10.231.{subnet}.2"
        self.processes: list[Process] = []
        _ip("netns", "add", name)
        _ip("link", "add", f"{name}o", "type", "veth", "peer", "name", f"{name}i")
        _ip("link", "set", f"{name}i", "netns", name)
        _ip("addr", "add", f"{self.outside}/30", "dev", f"{name}o")
        _ip("link", "set", f"{name}o", "up")
        _ip("-n", name, "addr", "add", f"{self.address}/30", "dev", f"{name}i")
        _ip("-n", name, "link", "set", f"{name}i", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "route", "add", "default", "via", self.outside)

    def run(self, command: list[str], env: dict) -> Process:
        process = Process(["ip", "netns", "exec", self.name, *command], env)
        self.processes.append(process)
        return process

    def die(self) -> None:
        """The host is gone: every process on it killed, then its network."""
        for process in self.processes:
            process.kill()
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


class Process:
    def __init__(self, command: list[str], env: dict):
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip())

    def expect(self, text: str, count: int = 1, timeout: float = TIMEOUT) -> float:
        """Wait (bounded) until ``text`` was printed ``count`` times; the monotonic time then."""
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.output) < count:
            try:
                self.output.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"no {text!r} within {timeout}s: {self.output[-30:]}")
        return time.monotonic()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=TIMEOUT)
        self.pump.join(timeout=TIMEOUT)
        while not self.lines.empty():
            self.output.append(self.lines.get_nowait())
        self.proc.stdout.close()


@pytest.fixture
def network():
    reason = _cannot_make_namespaces()
    if reason:
        pytest.skip(f"multi-host drill not run: {reason}")
    tag = os.getpid() % 10_000
    base = 4 * (os.getpid() % 60)  # four /30s of this run, apart from a parallel run's
    lan = "10.231.250.1"  # the root namespace's address that the hosts reach the services on
    added = subprocess.run(["ip", "addr", "add", f"{lan}/32", "dev", "lo"], capture_output=True)
    hosts: list[Host] = []
    forwards: list[Forward] = []

    def host(role: str) -> Host:
        made = Host(f"hy{tag}{role}", base + len(hosts))
        hosts.append(made)
        return made

    def forward(target: tuple[str, int]) -> tuple[str, int]:
        made = Forward(lan, target)
        forwards.append(made)
        return made.address

    try:
        yield host, forward
    finally:
        for made in hosts:
            made.die()
        for made in forwards:
            made.close()
        if added.returncode == 0:
            subprocess.run(["ip", "addr", "del", f"{lan}/32", "dev", "lo"], capture_output=True)


def _due_requests(world) -> list[int]:
    residents = []
    for i in range(DUE // 4):
        world.as_(f"drill-{i}")
        residents.append(world.user(f"drill-{i}"))
    ids = [service.submit(resident=residents[n // 4], category_code="sanitation",
                          description=f"路灯不亮了，第{n}处", section_id=world.section.id,
                          now=world.clock.now()).id for n in range(DUE)]
    db.session.commit()
    return ids


@pytest.mark.postgres_only
def test_a_web_host_and_the_leading_scheduler_die_under_load(world, postgres, fake_wechat, network,
                                                            tmp_path):
    host, forward = network
    ids = _due_requests(world)  # a week old in real time: escalation and red light are due
    section_id = world.section.id
    db.session.remove()
    url = make_url(PG_URL)
    pg = forward((url.host or "127.0.0.1", url.port or 5432))
    redis = forward(REDIS)
    wechat = forward(("127.0.0.1", int(fake_wechat.url.rsplit(":", 1)[1])))
    env = {**os.environ, "DATABASE_URL": url.set(host=pg[0], port=pg[1]).render_as_string(
               hide_password=False),
           "REDIS_URL": f"redis://{redis[0]}:{redis[1]}/12",
           "WECHAT_API_BASE": f"http://{wechat[0]}:{wechat[1]}", "WECHAT_APPID": "wx-test-appid",
           "WECHAT_FAKE": "0", "UPLOAD_FOLDER": str(tmp_path / "uploads"), "FLASK_APP": "wsgi.py",
           "PYTHONUNBUFFERED": "1", "WEB_CONCURRENCY": "2", "WEB_THREADS": "4",
           # the drill is about hosts dying, not about a resident's submission budget
           "RATELIMIT_SUBMIT": "1000 per minute"}

    leader_host, standby_host = host("s1"), host("s2")
    leader = leader_host.run([sys.executable, "-m", "flask", "scheduler", "run", "--poll", "0.2"], env)
    leader.expect("scheduler: leader")
    standby = standby_host.run([sys.executable, "-m", "flask", "scheduler", "run", "--poll", "0.2"],
                               env)
    standby.expect("waiting for the leader lock")
    leader.expect("job duty.escalate_hops:")  # the leader's catch-up run at takeover

    webs = []
    for name in ("w1", "w2"):
        web_host = host(name)
        server = web_host.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              {**env, "BIND": f"{web_host.address}:8000"})
        webs.append((web_host, server, f"http://{web_host.address}:8000"))
    for _web_host, server, _url in webs:
        server.expect("Booting worker", count=2)
    loads = []
    for index, (_web_host, _server, base_url) in enumerate(webs):
        tokens = [login(base_url, f"drill-web{index}-{i}") for i in range(4)]
        loads.append(Load(base_url, section_id, tokens, per_resident=8))
    threads = [thread for load in loads for thread in load.start()]
    loads[0].wait_for(8)

    # The first web host and the leading scheduler's host die at once, mid-load.
    webs[0][0].die()
    died = time.monotonic()
    leader_host.die()
    led = standby.expect("scheduler: leader")
    standby.expect("job duty.escalate_hops:")  # the new leader's catch-up run
    standby.expect("job duty.lights:")
    for thread in threads:
        thread.join(timeout=TIMEOUT)

    took = led - died
    print(f"multi-host drill: standby led {took:.2f}s after the leader's host died; "
          f"web host 1: {len(loads[0].acknowledged)} acknowledged, {len(loads[0].failed)} failed; "
          f"web host 2: {len(loads[1].acknowledged)} acknowledged, {len(loads[1].failed)} failed")
    assert took < TAKEOVER_SECONDS, f"the standby took {took:.1f}s to lead"
    assert loads[0].failed, "the web host died after its load: nothing was interrupted"
    assert loads[1].finished == 32 and not loads[1].failed, loads[1].failed  # the other served on
    assert_all_persisted(loads[0].acknowledged + loads[1].acknowledged)

    # Nothing done twice across the two leaders.
    db.session.rollback()
    hops = Counter(db.session.execute(
        sql_select(Event.request_id, Event.data["from_hop"].as_string())
        .where(Event.action == "escalate_hop", Event.request_id.in_(ids))).all())
    assert {rid for rid, _hop in hops} == set(ids), "every due request was escalated"
    assert set(hops.values()) == {1}, "an escalation was recorded twice"
    reds = Counter(db.session.execute(
        sql_select(Notification.request_id, Notification.user_id).where(
            Notification.kind == "red_light", Notification.request_id.in_(ids))).all())
    assert {rid for rid, _user in reds} == set(ids), "every due request's red light was announced"
    assert set(reds.values()) == {1}, "a red light was announced twice"
    standby.kill()
