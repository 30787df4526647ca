"""A small closed-loop load generator: one thread and one cookie jar per simulated client."""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from .stats import percentile

CSRF_FIELD = "csrfmiddlewaretoken"


@dataclass
class Response:
    status: int
    headers: dict
    body: str
    seconds: float
    queries: int | None
    cpu_ms: float | None


class Client:
    """A browser behind a TLS-terminating proxy: keeps cookies, sends a CSRF token."""

    def __init__(self, port: int, csrf_page: str) -> None:
        self.port = port
        self.csrf_page = csrf_page  # a page that sets the CSRF cookie, whatever its name
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.password = ""  # the account's current password, once signed in
        self.set_password_path = ""  # where a one-time link led

    def csrf(self) -> str:
        name = next((n for n in self.cookies if n.endswith("csrftoken")), None)
        if name is None:
            self.get(self.csrf_page)
            name = next(n for n in self.cookies if n.endswith("csrftoken"))
        return self.cookies[name]

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https",
                   "Referer": f"https://127.0.0.1{path}", "Connection": "keep-alive"}
        body = None
        if data is not None:
            body = urlencode({CSRF_FIELD: self.csrf(), **data})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                raw = self.conn.getresponse()
                payload = raw.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        seconds = time.perf_counter() - started
        if raw.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        for value in raw.headers.get_all("Set-Cookie") or []:
            self._store_cookie(value)
        queries, cpu = raw.getheader("X-Bench-Queries"), raw.getheader("X-Bench-CPU-Ms")
        return Response(raw.status, dict(raw.getheaders()),
                        payload.decode("utf-8", "replace"), seconds,
                        int(queries) if queries is not None else None,
                        float(cpu) if cpu is not None else None)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def _store_cookie(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(a.strip().lower() in ("max-age=0",) for a in attributes) or (
            value in ("", '""'))
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def drop_session(self) -> None:
        for name in [n for n in self.cookies if n.endswith("sessionid")]:
            del self.cookies[name]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def location(response: Response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    if match is None:
        raise ValueError(f"no input {name} on the page")
    return match.group(1)


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    statuses: dict = field(default_factory=dict)

    def add(self, response: Response, expected: tuple[int, ...]) -> None:
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        if response.status not in expected:
            self.errors += 1
            return
        self.seconds.append(response.seconds)
        if response.queries is not None:
            self.queries.append(response.queries)
        if response.cpu_ms is not None:
            self.cpu_ms.append(response.cpu_ms)

    def merge(self, other: "Sample") -> None:
        self.seconds += other.seconds
        self.queries += other.queries
        self.cpu_ms += other.cpu_ms
        self.errors += other.errors
        self.wall += other.wall
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.seconds, p)

    @property
    def mean_queries(self) -> float:
        return statistics.fmean(self.queries) if self.queries else float("nan")

    @property
    def usual_queries(self) -> float:
        """The median request's count: what the step's own path costs, without the rare
        request that also refreshes a value kept for seconds (the phone budget's state)."""
        return statistics.median(self.queries) if self.queries else float("nan")

    @property
    def most_queries(self) -> float:
        return max(self.queries) if self.queries else float("nan")

    @property
    def mean_cpu_ms(self) -> float:
        return statistics.fmean(self.cpu_ms) if self.cpu_ms else float("nan")


def run_loop(clients: list, step, seconds: float, expected: tuple[int, ...]) -> Sample:
    """Each client repeats `step(client)` (one timed request) until `seconds` have passed."""
    results = [Sample() for _ in clients]
    deadline = time.perf_counter() + seconds
    errors: list[BaseException] = []

    def worker(i: int, client) -> None:
        try:
            while time.perf_counter() < deadline:
                results[i].add(step(client), expected)
        except Exception as exc:
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    total = Sample()
    for r in results:
        total.merge(r)
    total.wall = time.perf_counter() - started
    if errors:
        total.errors += len(errors)
        total.statuses[type(errors[0]).__name__] = len(errors)
    return total


def run_pool(concurrency: int, items: list, step, expected: tuple[int, ...]) -> Sample:
    """`concurrency` threads take prepared items off a list and make one timed request each."""
    lock = threading.Lock()
    pending = list(items)
    samples = [Sample() for _ in range(concurrency)]

    def worker(i: int) -> None:
        while True:
            with lock:
                if not pending:
                    return
                item = pending.pop()
            try:
                samples[i].add(step(item), expected)
            except Exception as exc:
                samples[i].errors += 1
                samples[i].statuses[type(exc).__name__] = 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    total = Sample()
    for s in samples:
        total.merge(s)
    total.wall = time.perf_counter() - started
    return total


def parallel_map(function, items: list, concurrency: int = 8) -> list:
    """`function(item)` for every item on a few threads; results in order."""
    results: list = [None] * len(items)
    index = iter(range(len(items)))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            try:
                results[i] = function(items[i])
            except Exception as exc:
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return results
