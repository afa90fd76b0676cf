"""Readers keep getting pages while hundreds of slow clients hold connections (reliability S5).

The production web server for real (`wiredesk web`: gunicorn managing uvicorn workers, each
serving connections on an event loop), then 300 slowloris connections that send a request
head one header line every second and never finish it. Every ordinary request made
meanwhile must be answered; its latency is printed next to the same requests made before
the attack (a figure, not a pass mark: it depends on the machine).
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import threading
import time

import pytest

from tests.core.test_run import WIREDESK, accepts, clean_env, free_port, wiredesk

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, pytest.mark.timeout(180)]

SLOW = 300
HOST = "slow.test"


def _get(port: int) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", "/", headers={"Host": HOST})
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - started
    finally:
        conn.close()


def _slowloris(port: int, stop: threading.Event, opened: list) -> None:
    socks = []
    for _ in range(SLOW):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            s.setblocking(False)
            socks.append(s)
        except OSError:
            break
    opened.append(len(socks))
    n = 0
    while not stop.wait(1.0):
        n += 1
        for s in list(socks):
            try:
                s.send(f"X-Slow-{n}: a\r\n".encode())
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # closed by the server: that is its right
                socks.remove(s)
    for s in socks:
        s.close()


def test_ordinary_requests_are_answered_while_300_slow_clients_hang_on(tmp_path):
    port = free_port()
    env = clean_env(tmp_path / "data", WIREDESK_PORT=str(port))
    wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
    wiredesk(env, "shell", "-c", f"from wiredesk.brands.models import Brand; Brand.objects.create(name='Slow Test Post', hosts=['{HOST}'])")
    log = open(tmp_path / "web.log", "wb")
    web = subprocess.Popen([str(WIREDESK), "web", "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    stop = threading.Event()
    opened: list[int] = []
    attacker = threading.Thread(target=_slowloris, args=(port, stop, opened), daemon=True)
    try:
        deadline = time.monotonic() + 60
        while not accepts(port):
            assert time.monotonic() < deadline and web.poll() is None, (tmp_path / "web.log").read_text()[-2000:]
            time.sleep(0.2)
        for _ in range(5):  # warm: the first renders fill the caches of both workers
            _get(port)
        baseline = []
        for _ in range(40):
            baseline.append(_get(port))
            time.sleep(0.1)
        attacker.start()
        while not opened:
            time.sleep(0.1)
        time.sleep(3)  # the slow clients are in, sending their next line each second
        during = []
        for _ in range(40):
            during.append(_get(port))
            time.sleep(0.1)
    finally:
        stop.set()
        if attacker.is_alive():
            attacker.join(timeout=10)
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        log.close()
    assert opened[0] == SLOW, f"only {opened[0]} slow connections could be opened"
    assert {status for status, _ in baseline} == {200}
    assert {status for status, _ in during} == {200}, during  # every reader answered
    p95 = lambda rows: statistics.quantiles([t for _, t in rows], n=20)[-1]  # noqa: E731
    print(f"\nS5: p95 of a front page {p95(baseline) * 1000:.1f} ms alone, {p95(during) * 1000:.1f} ms with "
          f"{SLOW} slow clients connected ({p95(during) / p95(baseline):.1f}x)")
