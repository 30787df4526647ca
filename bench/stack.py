"""Start the production-like stack on loopback, and stop every process it started."""

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent

# Limits a single load-generating address would trip at once. Raised only so that every
# request does its full work instead of stopping at a refusal; the checks themselves still run.
RAISED_LIMITS = {
    "SSPR_SIGN_IN_IP_RATE": "1000000/s",
    "SSPR_RESET_IDENTIFY_IP_RATE": "1000000/s",
    "SSPR_PASSWORD_CHECK_RATE": "1000000/s",
    "SSPR_CHANGE_PASSWORD_RATE": "1000000/s",
    "SSPR_HELPDESK_IP_RATE": "1000000/s",
    "SSPR_RESET_STARTS_PER_HOUR": "1000000000",
    "SSPR_RESET_FAILED_GATES_PER_HOUR": "1000000000",
    "SSPR_CODE_MAX_TRIES": "1000000000",
    "SSPR_CODE_RESEND_SECONDS": "0",
    "SSPR_CODES_PER_IP_PER_HOUR": "1000000000",
    "SSPR_EMAIL_CODES_PER_10_MINUTES": "1000000000",
    "SSPR_PHONE_MESSAGES_PER_HOUR": "1000000000",
    "SSPR_PHONE_MESSAGES_PER_DAY": "1000000000",
    "SSPR_PHONE_HOURLY_BUDGET": "1000000000",
    "SSPR_SIGN_IN_FAILURE_LIMIT": "1000000000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """Every process the benchmark starts, each in its own process group."""

    def __init__(self, *, postgres: str, redis_url: str, lifetime: float,
                 name: str = "bench") -> None:
        self.postgres = postgres.rstrip("/")
        # The portal's and stock's Redis databases ("redis://host:port/8" → 8 and 10).
        base, _, db = redis_url.rstrip("/").rpartition("/")
        self.redis_url, self.redis_dbs = (base, (int(db), int(db) + 2)) if db.isdigit() \
            else (redis_url.rstrip("/"), (8, 10))
        self.databases = (f"sspr_{name}", f"sspr_{name}_stock")
        self.lifetime = lifetime
        self.logs = Path(tempfile.mkdtemp(prefix="sspr-bench-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports = {name: free_port() for name in ("portal", "stock", "smtp", "twilio")}
        secret = secrets.token_urlsafe(40)
        self.portal_db = f"{self.postgres}/{self.databases[0]}"
        self.stock_db = f"{self.postgres}/{self.databases[1]}"
        self.portal_cache = f"{self.redis_url}/{self.redis_dbs[0]}"
        common = {
            "DJANGO_SECRET_KEY": secret, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.ports['smtp']}",
            "PYTHONPATH": str(ROOT),
        }
        self.portal_env = {
            **os.environ, **common, **RAISED_LIMITS,
            "DJANGO_SETTINGS_MODULE": "sspr.settings.production",
            "DATABASE_URL": self.portal_db, "REDIS_URL": self.portal_cache,
            "SSPR_BASE_URL": "https://127.0.0.1",
            "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16), "TWILIO_FROM_NUMBER": "+46700000000",
            "SSPR_TWILIO_API_BASE_URL": f"http://127.0.0.1:{self.ports['twilio']}",
        }
        self.stock_env = {
            **os.environ, **common, "DJANGO_SETTINGS_MODULE": "bench.stock.settings",
            "DATABASE_URL": self.stock_db, "REDIS_URL": f"{self.redis_url}/{self.redis_dbs[1]}",
        }

    # --- processes ---------------------------------------------------------------------------

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        # `timeout` bounds every process even if this one is killed before it can clean up.
        argv = ["timeout", "-k", "10", str(int(self.lifetime)), *argv]
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def run(self, argv: list[str], env: dict, timeout: float = 900) -> str:
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"{shlex.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def portal_json(self, *args: str, timeout: float = 900) -> dict:
        return json.loads(self.run([sys.executable, "-m", "bench.portal", *args],
                                   self.portal_env, timeout))

    # --- set-up ------------------------------------------------------------------------------

    def prepare_data(self) -> None:
        """Fresh databases and Redis dbs of the benchmark's own, migrated."""
        with psycopg.connect(f"{self.postgres}/postgres", autocommit=True) as conn:
            for name in self.databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        for db in self.redis_dbs:
            redis.Redis.from_url(f"{self.redis_url}/{db}").flushdb()
        python = sys.executable
        self.run([python, "manage.py", "migrate", "--noinput"], self.portal_env)
        self.run([python, "manage.py", "collectstatic", "--noinput"], self.portal_env)
        self.run([python, "-m", "django", "migrate", "--noinput"], self.stock_env)

    def start_services(self) -> None:
        python = sys.executable
        self.start("fakes", [python, "-m", "bench.fakes", str(self.ports["smtp"]),
                             str(self.ports["twilio"]), "--lifetime", str(self.lifetime)],
                   os.environ | {"PYTHONPATH": str(ROOT)})
        # The portal's gunicorn runs with the deployment's configuration, stock Django's with
        # gunicorn's defaults.
        self.start_gunicorn("portal", self.portal_env, config=self.web_config())
        self.start_gunicorn("stock", self.stock_env)
        self.start("worker", self.worker_argv(), self.portal_env | self.worker_env())
        self.wait_http(self.ports["twilio"], "/_bench/log")
        self.wait_http(self.ports["portal"], "/healthz")
        self.wait_http(self.ports["stock"], "/accounts/login/")
        self.wait_worker()

    def start_gunicorn(self, name: str, env: dict, config: list[str] | None = None) -> None:
        """The same server for every side: gunicorn, 2 sync workers, on `name`'s port, with
        `config` (the deployment's `--config`, for the portal)."""
        self.start(name, [sys.executable, "-m", "gunicorn", "bench.wsgi:application",
                          *(config or []), "--workers", "2", "--worker-class", "sync",
                          "--timeout", "120", "--bind", f"127.0.0.1:{self.ports[name]}"], env)

    @staticmethod
    def web_config() -> list[str]:
        """The `--config` option of the compose file's gunicorn command."""
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        script = shlex.split(compose["services"]["web"]["command"])[-1]
        argv = shlex.split(script.split("&&")[-1])
        at = argv.index("--config")
        return argv[at:at + 2]

    @staticmethod
    def worker_argv() -> list[str]:
        """The compose file's worker command, run with this interpreter."""
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        command = compose["services"]["worker"]["command"]
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        assert argv[0] == "celery", argv
        return [sys.executable, "-m", "celery", *argv[1:]]

    @staticmethod
    def worker_env() -> dict[str, str]:
        """What the compose file's worker service sets beyond the web's environment (its
        database connection pool)."""
        services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
        web = services["web"]["environment"]
        return {name: str(value) for name, value in services["worker"]["environment"].items()
                if web.get(name) != value}

    def wait_http(self, port: int, path: str, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                                 headers={"X-Forwarded-Proto": "https"})
                with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"nothing answered on port {port}; logs in {self.logs}")

    def wait_worker(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if "ready" in (self.logs / "worker.log").read_text():
                return
            time.sleep(0.3)
        raise RuntimeError(f"the Celery worker did not start; logs in {self.logs}")

    # --- fakes -------------------------------------------------------------------------------

    def fakes(self, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        url = f"http://127.0.0.1:{self.ports['twilio']}{path}"
        with urllib.request.urlopen(url, data=data, timeout=30) as r:
            return json.loads(r.read())

    def set_providers(self, *, delay: float, fail: float = 0.0) -> None:
        self.fakes("/_bench/config", {"delay": delay, "fail": fail})

    def messages(self, since: int = 0) -> tuple[list[dict], int]:
        answer = self.fakes(f"/_bench/log?since={since}")
        return answer["log"], answer["next"]

    def purge_queue(self) -> None:
        redis.Redis.from_url(self.portal_cache).delete("celery")

    # --- memory ------------------------------------------------------------------------------

    def descendants(self, name: str) -> dict[int, int]:
        """Process ids under `name`'s process with their depth (1: the server, 2: its workers)."""
        root = self.processes[name].pid
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry.name)] = int(fields[1])
        tree: dict[int, int] = {}
        frontier = [(root, 0)]
        while frontier:
            pid, depth = frontier.pop()
            for kid in (p for p, parent in parents.items() if parent == pid):
                tree[kid] = depth + 1
                frontier.append((kid, depth + 1))
        return tree


def memory(pid: int) -> dict[str, float]:
    """Resident and proportional set size of one process, in MiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        return {}
    return values


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
