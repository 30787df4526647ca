"""`make bench`: the portal against stock Django on one production-like stack, interleaved.

`python -m bench [--quick]`. Prints one table (Markdown) and keeps it, with the raw figures,
in var/bench/. Every process it starts is stopped at the end, whatever happens.
"""

import argparse
import json
import os
import platform
import random
import signal
import statistics
import sys
import threading
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import psycopg
from argon2.low_level import Type, hash_secret

from .directory import PREFIX, DirectorySide
from .load import Client, Sample, parallel_map, run_loop, run_pool
from .report import render
from .scenarios import PASSWORD, Names, Portal, Stock
from .stack import ROOT, Stack, command_line, memory
from .stats import mann_whitney, percentile


@dataclass(frozen=True)
class Profile:
    seconds: float  # one round of a repeatable step
    rounds: int  # portal/stock rounds per step, alternating which goes first
    pool: dict  # prepared one-shot requests per round, by clients
    identify_pool: dict
    pairs: int  # real/unknown samples per wizard step
    hashing_clients: tuple  # client counts the hashing steps run at
    send_seconds: float
    admin_users: int
    users: int
    directory_pool: int  # prepared new-password requests per round a side, at each count


QUICK = Profile(seconds=2, rounds=1, pool={8: 24}, identify_pool={8: 60, 64: 128},
                pairs=200, hashing_clients=(8,), send_seconds=4, admin_users=5_000, users=1200,
                directory_pool=32)
FULL = Profile(seconds=6, rounds=2, pool={8: 32, 64: 64}, identify_pool={8: 240, 64: 400},
               pairs=300, hashing_clients=(8, 64), send_seconds=15, admin_users=100_000,
               users=3000, directory_pool=64)
CLIENTS = (8, 64)
OK, REDIRECT = (200,), (302,)
DIRECTORY_STEP = "POST new password, OpenLDAP directory"
DIRECTORY_SIGN_IN = "POST sign-in, wrong password, OpenLDAP directory"


class Bench:
    def __init__(self, stack: Stack, profile: Profile) -> None:
        self.stack, self.profile = stack, profile
        self.rows: list[dict] = []
        self.results: dict = {"rows": self.rows}

    # --- set-up ------------------------------------------------------------------------------

    def seed(self) -> None:
        count = self.profile.users
        seeded = self.stack.portal_json("seed", "--count", str(count), "--password", PASSWORD)
        stock = json.loads(self.stack.run([sys.executable, "-m", "bench.stock.seed", str(count),
                                           PASSWORD], self.stack.stock_env))
        self.portal = Portal(self.stack.ports["portal"], self.stack.portal_cache,
                             seeded["totp_key"])
        self.stock = Stock(self.stack.ports["stock"], stock["links"])
        self.portal_names = Names(seeded["users"])
        self.stock_names = Names(stock["users"])
        self.results["history_rows_per_user"] = seeded["history"]

    # --- repeatable steps --------------------------------------------------------------------

    def loop_steps(self) -> list[tuple]:
        p = self.portal

        def signed_in(c, name):
            p.signed_in(c, name)

        def captcha(c, name):
            c.captcha_key = p.captcha(c)[0]

        return [
            ("GET /sign-in/", None, lambda c: c.get("/sign-in/"), OK),
            ("GET /reset/ (identify page)", None, lambda c: c.get("/reset/"), OK),
            ("GET CAPTCHA image", captcha,
             lambda c: c.get(f"/captcha/image/{c.captcha_key}/"), OK),
            ("GET method page", p.at_method_page, lambda c: c.get("/reset/verify/"), OK),
            ("POST method choice", p.at_method_page,
             lambda c: c.post("/reset/verify/", {"method": "authenticator"}), REDIRECT),
            ("GET gate page (app)", p.at_app_gate,
             lambda c: c.get("/reset/verify/authenticator/"), OK),
            ("POST wrong code (gate)", p.at_app_gate,
             lambda c: c.post("/reset/verify/authenticator/", {"code": "000000"}), OK),
            ("GET /setup/", signed_in, lambda c: c.get("/setup/"), OK),
            ("GET /account/", signed_in, lambda c: c.get("/account/"), OK),
            ("GET /healthz", None, lambda c: c.get("/healthz"), OK),
        ]

    def clients(self, side, count: int, prepare, names: Names | None) -> list[Client]:
        clients = [side.client() for _ in range(count)]
        if prepare is not None:
            taken = names.take(count) if names else [None] * count
            parallel_map(lambda pair: prepare(*pair), list(zip(clients, taken, strict=True)))
        return clients

    def interleave(self, portal_round, stock_round, rounds: int = 0) -> tuple[Sample, Sample]:
        """Alternate portal and stock rounds, each side first in turn."""
        portal, stock = Sample(), Sample()
        for r in range(rounds or self.profile.rounds):
            order = [(portal, portal_round), (stock, stock_round)]
            for total, round_ in order if r % 2 == 0 else order[::-1]:
                total.merge(round_())
        return portal, stock

    def run_loop_step(self, label, prepare, step, expected, clients: int) -> None:
        seconds = self.profile.seconds
        get = label.startswith("GET")
        reference = "stock PasswordResetView " + ("GET" if get else "POST")
        stock_step = self.stock.reset_get if get else self.stock.reset_post

        def portal_round():
            return run_loop(self.clients(self.portal, clients, prepare, self.portal_names),
                            step, seconds, expected)

        def stock_round():
            return run_loop(self.clients(self.stock, clients, None, None), stock_step, seconds,
                            OK if get else REDIRECT)

        self.record(label, clients, reference, *self.interleave(portal_round, stock_round),
                    hashing=False)

    # --- hashing and one-shot steps ----------------------------------------------------------

    def pool_round(self, side, names, prepare, step, expected, clients: int, size: int):
        def one(name):
            client = side.client()
            prepare(client, name)
            return client

        prepared = parallel_map(one, names.take(size) if names else [None] * size)
        return run_pool(clients, prepared, step, expected)

    def run_sign_in(self, clients: int) -> None:
        def round_(side, names):
            users = names.take(clients)
            for client, user in zip(made := [side.client() for _ in users], users, strict=True):
                client.user = user
            return run_loop(made, lambda c: side.sign_in(c, c.user), self.profile.seconds,
                            REDIRECT)

        self.record("POST sign-in", clients, "stock LoginView POST",
                    *self.interleave(lambda: round_(self.portal, self.portal_names),
                                     lambda: round_(self.stock, self.stock_names)), hashing=True)

    def run_one_shot(self, label, reference, portal_spec, stock_spec, clients, hashing) -> None:
        size = self.profile.pool[clients] if hashing else self.profile.identify_pool[clients]

        def portal_round():
            return self.pool_round(self.portal, *portal_spec, clients, size)

        def stock_round():
            if stock_spec is None:
                return run_loop(self.clients(self.stock, clients, None, None),
                                self.stock.reset_post, self.profile.seconds, REDIRECT)
            return self.pool_round(self.stock, *stock_spec, clients, size)

        # A pool of one-shot requests is one round a side: preparing it is the slow part.
        self.record(label, clients, reference, *self.interleave(portal_round, stock_round, 1),
                    hashing=hashing)

    def run_identify(self, clients: int) -> None:
        real = self.portal_names.take(1)[0]

        def prepare(client, _):
            client.form = self.portal.identify_form(client, real)

        self.run_one_shot("POST identify", "stock PasswordResetView POST",
                          (None, prepare, lambda c: c.post("/reset/", c.form), REDIRECT),
                          None, clients, hashing=False)

    def run_new_password(self, clients: int) -> None:
        self.run_one_shot(
            "POST new password (5 old in history)", "stock set-password POST",
            (self.portal_names, self.portal.at_new_password, self.portal.set_new_password,
             REDIRECT),
            (self.stock_names, self.stock.at_set_password, self.stock.set_new_password,
             REDIRECT), clients, hashing=True)

    def run_change_password(self, clients: int) -> None:
        self.run_one_shot(
            "POST change password", "stock PasswordChangeView POST",
            (self.portal_names, self.portal.signed_in, self.portal.change_password, REDIRECT),
            (self.stock_names, self.stock.signed_in, self.stock.change_password, REDIRECT),
            clients, hashing=True)

    def record(self, label, clients, reference, portal: Sample, stock: Sample, *, hashing):
        row = {"step": label, "clients": clients, "reference": reference, "hashing": hashing,
               "portal": summary(portal), "stock": summary(stock)}
        row["throughput_ratio"] = ratio(row["portal"]["rate"], row["stock"]["rate"])
        row["p99_ratio"] = ratio(row["portal"]["p99"], row["stock"]["p99"])
        self.rows.append(row)
        print(f"  {label} @{clients}: {row['portal']['rate']:.1f} vs "
              f"{row['stock']['rate']:.1f} req/s, {row['portal']['cpu_ms']:.0f} vs "
              f"{row['stock']['cpu_ms']:.0f} ms CPU, errors {portal.errors}/{stock.errors} "
              f"{portal.statuses}", flush=True)

    def load(self, clients_list: list[int], *, hashing_only: bool = False) -> None:
        for clients in clients_list:
            steps = [] if hashing_only else [
                *(partial(self.run_loop_step, *spec, clients) for spec in self.loop_steps()),
                partial(self.run_identify, clients)]
            if clients in self.profile.hashing_clients:
                steps += [partial(run, clients) for run in (
                    self.run_sign_in, self.run_new_password, self.run_change_password)]
            for step in steps:
                try:
                    step()
                except Exception as exc:
                    # One broken step (a page that changed) must not lose the rest of the run.
                    self.results.setdefault("failures", []).append(f"{clients} clients: {exc!r}")
                    print(f"  FAILED: {exc!r}", flush=True)

    # --- protected mode: real and unknown IDs ------------------------------------------------

    def timing(self) -> None:
        """Latency of real and unknown IDs at each wizard step, alternating at random."""
        p, pairs = self.portal, self.profile.pairs
        real_names = self.portal_names.take(8)
        unknown_names = [f"bench-{90000 + i:05d}" for i in range(8)]
        out = {}

        def identify_clients(names):
            def one(i):
                client = p.client()
                client.form = p.identify_form(client, names[i % len(names)])
                return client
            return parallel_map(one, list(range(pairs)))

        real, unknown = identify_clients(real_names), identify_clients(unknown_names)
        out["POST identify"] = self.alternate(
            lambda i: real[i].post("/reset/", real[i].form),
            lambda i: unknown[i].post("/reset/", unknown[i].form), pairs)

        def at(state, name):
            client = p.client()
            state(client, name)
            return client

        r, u = at(p.at_method_page, real_names[0]), at(p.at_method_page, unknown_names[0])
        out["GET method page"] = self.alternate(lambda i: r.get("/reset/verify/"),
                                                lambda i: u.get("/reset/verify/"), pairs)
        out["POST method choice"] = self.alternate(
            lambda i: r.post("/reset/verify/", {"method": "authenticator"}),
            lambda i: u.post("/reset/verify/", {"method": "authenticator"}), pairs)
        r, u = at(p.at_app_gate, real_names[1]), at(p.at_app_gate, unknown_names[1])
        out["GET gate page"] = self.alternate(lambda i: r.get("/reset/verify/authenticator/"),
                                              lambda i: u.get("/reset/verify/authenticator/"),
                                              pairs)
        out["POST wrong code"] = self.alternate(
            lambda i: r.post("/reset/verify/authenticator/", {"code": "000000"}),
            lambda i: u.post("/reset/verify/authenticator/", {"code": "000000"}), pairs)
        # A real person was sent a code to their address; the unknown ID's has none.
        r, u = at(p.at_email_code, real_names[2]), at(p.at_email_code, unknown_names[2])
        out["POST wrong email code"] = self.alternate(
            lambda i: r.post("/reset/verify/email/", {"code": "000000"}),
            lambda i: u.post("/reset/verify/email/", {"code": "000000"}), pairs)
        self.results["timing"] = out

    @staticmethod
    def alternate(real, unknown, pairs: int) -> dict:
        times = {"real": [], "unknown": []}
        statuses = {"real": set(), "unknown": set()}
        for i in range(pairs):
            order = [("real", real), ("unknown", unknown)]
            random.shuffle(order)
            for kind, request in order:
                response = request(i)
                times[kind].append(response.seconds)
                statuses[kind].add(response.status)
        u, z, p = mann_whitney(times["real"], times["unknown"])
        return {"n": pairs, "u": u, "z": z, "p": p,
                "real_median_ms": statistics.median(times["real"]) * 1000,
                "unknown_median_ms": statistics.median(times["unknown"]) * 1000,
                "statuses": {k: sorted(v) for k, v in statuses.items()}}

    # --- the directory: the new-password step against OpenLDAP -------------------------------

    def directory(self) -> None:
        """The wizard's new-password step against OpenLDAP and against the portal's own
        accounts, interleaved; then where each one's time goes."""
        size, rounds = self.profile.directory_pool, 2
        counts = self.profile.hashing_clients
        side = self.directory_side = DirectorySide(self.stack)
        side.start(count=size * rounds * len(counts) + 40, password=PASSWORD)
        ldap_portal = side.portal

        def step(portal, names, clients, pool):
            return lambda: self.pool_round(portal, names, portal.at_new_password,
                                           portal.set_new_password, REDIRECT, clients, pool)

        for clients in counts:
            self.record(DIRECTORY_STEP, clients, "the same step, own accounts (5 old in history)",
                        *self.interleave(step(ldap_portal, side.names, clients, size),
                                         step(self.portal, self.portal_names, clients, size),
                                         rounds), hashing=True)
        connections = side.service_connections()
        # One request at a time: what a single step costs, without queueing.
        ldap_alone, own_alone = self.interleave(step(ldap_portal, side.names, 1, 10),
                                                step(self.portal, self.portal_names, 1, 10), 2)
        trips = side.round_trips(side.names.take(1)[0], 50)
        # Protected mode with a directory: a wrong password for a person and for an ID the
        # directory does not know take one path (a bind, one hash), so the same time.
        real, unknown = ldap_portal.client(), ldap_portal.client()
        person = side.names.take(1)[0]

        def wrong(client, name):
            return client.post("/sign-in/", {"username": name, "password": "Wrong-Password-1"})

        self.results.setdefault("timing", {})[DIRECTORY_SIGN_IN] = self.alternate(
            lambda i: wrong(real, person), lambda i: wrong(unknown, f"{PREFIX}99999"),
            self.profile.pairs)
        self.results["directory"] = {
            "step_ms": ldap_alone.percentile(50) * 1000,
            "own_step_ms": own_alone.percentile(50) * 1000,
            "round_trips_ms": trips,
            # Measured now, next to the rounds above: the machine's load moves it.
            "argon2_ms": 1000 / argon2_bound(2.0)["one_at_a_time"],
            "service_connections": connections,
        }
        print(f"  directory: {self.results['directory']}", flush=True)

    # --- delivery ----------------------------------------------------------------------------

    def delivery(self) -> None:
        out, start = [], 0
        for delay in (0.0, 2.0):
            for rate in (20, 50):
                self.stack.set_providers(delay=delay)
                _, since = self.stack.messages()
                sent = self.stack.portal_json("send", "--rate", str(rate), "--seconds",
                                              str(self.profile.send_seconds), "--start",
                                              str(start))
                queued = sent["queued"]
                start += len(queued)
                arrived = self.wait_arrivals(queued, since, delay)
                latencies = [arrived[n] - queued[n] for n in queued if n in arrived]
                out.append({"rate": rate, "delay": delay, "queued": len(queued),
                            "delivered": len(latencies), "enqueue_lag": sent["lag"],
                            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                            "max": max(latencies, default=float("nan"))})
                print(f"  delivery {rate}/s, provider {delay:.0f} s: {len(latencies)}/"
                      f"{len(queued)}, p99 {out[-1]['p99']:.2f} s", flush=True)
                self.stack.purge_queue()
                time.sleep(delay + 1)
        self.stack.set_providers(delay=0)
        self.results["delivery"] = out

    def wait_arrivals(self, queued: dict, since: int, delay: float) -> dict:
        deadline = time.time() + max(20.0, self.profile.send_seconds * 3 + delay * 5)
        arrived: dict = {}
        while time.time() < deadline and len(arrived) < len(queued):
            time.sleep(1)
            log, since = self.stack.messages(since)
            arrived.update({m["to"]: m["t"] for m in log if m["to"] in queued})
        return arrived

    # --- the administrator's reset -----------------------------------------------------------

    def admin_reset(self) -> None:
        before = self.worker_memory()
        job = self.stack.portal_json("admin-reset", "--count", str(self.profile.admin_users),
                                     timeout=1200)
        samples, progress = [], []
        # Three times the target's 10 minutes per 100,000 users, and never under 10 minutes.
        deadline = time.time() + max(600, 1800 * self.profile.admin_users / 100_000)
        with psycopg.connect(self.stack.portal_db, autocommit=True) as db:
            while time.time() < deadline:
                processed, status, finished = db.execute(
                    "SELECT processed, status, finished_at FROM accounts_adminresetjob "
                    "WHERE id = %s", (job["job"],)).fetchone()
                progress.append(processed)
                samples.append(self.worker_memory())
                if status == "done":
                    break
                time.sleep(2)
        self.results["admin_reset"] = {
            "users": job["total"], "processed": processed, "queued_seconds": job["queued_seconds"],
            "finished_seconds": (finished.timestamp() - job["started"]) if finished else None,
            "progress_steps": len(set(progress)), "memory_before": before,
            "memory_peak": max(samples, default=before),
        }
        print(f"  admin reset: {self.results['admin_reset']}", flush=True)

    def worker_memory(self) -> float:
        """Resident MiB of the Celery worker's biggest process."""
        return max((memory(pid).get("Rss", 0.0) for pid in self.stack.descendants("worker")),
                   default=0.0)

    # --- memory ------------------------------------------------------------------------------

    def memory(self, when: str) -> None:
        figures = {}
        for name in ("portal", "stock", "worker"):
            for pid, depth in self.stack.descendants(name).items():
                kind = {"portal": ("gunicorn master", "web worker"),
                        "stock": ("gunicorn master", "web worker"),
                        "worker": ("celery main", "celery pool process")}[name][min(depth, 2) - 1]
                if "timeout" in command_line(pid).split(" ")[0]:
                    continue
                figures.setdefault(f"{name}: {kind}", []).append(memory(pid))
        self.results.setdefault("memory", {})[when] = {
            k: {"rss": statistics.fmean(m.get("Rss", 0) for m in v),
                "pss": statistics.fmean(m.get("Pss", 0) for m in v),
                "uss": statistics.fmean(m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
                                        for m in v), "count": len(v)}
            for k, v in figures.items()}


def summary(sample: Sample) -> dict:
    return {"rate": sample.rate, "n": len(sample.seconds), "errors": sample.errors,
            "p50": sample.percentile(50) * 1000, "p95": sample.percentile(95) * 1000,
            "p99": sample.percentile(99) * 1000, "queries": sample.mean_queries,
            "usual_queries": sample.usual_queries, "most_queries": sample.most_queries,
            "cpu_ms": sample.mean_cpu_ms,
            "statuses": {str(k): v for k, v in sample.statuses.items()}}


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def argon2_bound(seconds: float = 4.0) -> dict:
    """Hashes per second with the portal's default Argon2id cost: alone, and two at once."""
    def work(until: float, counts: list, i: int) -> None:
        while time.perf_counter() < until:
            hash_secret(os.urandom(16), os.urandom(16), time_cost=2, memory_cost=102400,
                        parallelism=8, hash_len=32, type=Type.ID)
            counts[i] += 1

    result = {}
    for threads in (1, 2):
        counts = [0] * threads
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        workers = [threading.Thread(target=work, args=(until, counts, i))
                   for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        result[threads] = sum(counts) / (time.perf_counter() - started)
    return {"one_at_a_time": result[1], "two_at_once": result[2]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, load at start "
            f"{os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="a shorter run, under 10 minutes")
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL",
                                                          "redis://127.0.0.1:6379"))
    parser.add_argument("--name", default=os.environ.get("BENCH_NAME", "bench"),
                        help="its databases are sspr_NAME and sspr_NAME_stock")
    parser.add_argument("--only", default="", help="comma-separated parts: load, timing, "
                        "directory, delivery, admin; or hashing, the part of load that hashes")
    parser.add_argument("--clients", default="8,64", help="comma-separated client counts")
    parser.add_argument("--admin-users", type=int, default=None,
                        help="users in the administrator's reset (default: 5,000 quick, "
                        "100,000 full)")
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    if args.admin_users:
        profile = replace(profile, admin_users=args.admin_users)
    parts = set(args.only.split(",")) if args.only else {"load", "timing", "directory",
                                                         "delivery", "admin"}
    started = time.time()
    # A TERM (from `timeout` or Ctrl-C's sibling) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = Stack(postgres=args.postgres, redis_url=args.redis, name=args.name,
                  lifetime=2400 if args.quick else 7200)
    bench = Bench(stack, profile)
    bench.results.update(machine=machine(), quick=args.quick,
                         started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    try:
        print(f"Argon2id bound, logs in {stack.logs}", flush=True)
        bench.results["argon2"] = argon2_bound()
        print("Fresh databases, migrations, static files", flush=True)
        stack.prepare_data()
        stack.start_services()
        bench.memory("after start")
        print("Seeding users", flush=True)
        bench.seed()
        if parts & {"load", "hashing"}:
            print("Load, portal and stock rounds interleaved", flush=True)
            bench.load([int(c) for c in args.clients.split(",")],
                       hashing_only="load" not in parts)
        if "timing" in parts:
            print("Real and unknown IDs", flush=True)
            bench.timing()
        bench.memory("after load")
        if "directory" in parts:
            print("The new-password step against OpenLDAP and the own accounts", flush=True)
            try:
                bench.directory()
            except Exception as exc:
                # Without slapd on the machine the rest of the run still counts.
                bench.results.setdefault("failures", []).append(f"directory: {exc!r}")
                print(f"  FAILED: {exc!r}", flush=True)
        if "delivery" in parts:
            print("Delivery", flush=True)
            bench.delivery()
        if "admin" in parts:
            print("Administrator's reset", flush=True)
            bench.admin_reset()
    finally:
        if hasattr(bench, "portal"):
            bench.portal.close()
        if hasattr(bench, "directory_side"):
            bench.directory_side.stop()
        stack.stop_all()
        # What was measured is reported even when the run was cut short.
        report(bench.results, started)


def report(results: dict, started: float) -> None:
    results["seconds"] = time.time() - started
    results["machine"] += f", at the end {os.getloadavg()[0]:.1f}"
    table = render(results)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "last.json").write_text(json.dumps(results, indent=1, default=str))
    (out / "last.md").write_text(table)
    print(table, flush=True)


if __name__ == "__main__":
    main()
