"""Fake SMTP and Twilio servers on loopback, with settable delays and failure rates.

Run as `python -m bench.fakes SMTP_PORT TWILIO_PORT`. Every message is logged with the time
it arrived; the control address `/_bench/` on the Twilio port sets the behaviour
(`POST /_bench/config` with JSON `{"delay": 2, "fail": 0.1}`) and returns the log
(`GET /_bench/log?since=N`). The process ends by itself after `--lifetime` seconds.
"""

import argparse
import asyncio
import json
import random
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

CONFIG = {"delay": 0.0, "fail": 0.0}
LOG: list[dict] = []
LOCK = threading.Lock()


def _fails() -> bool:
    return random.random() < CONFIG["fail"]


def _record(kind: str, to: str, body: str) -> None:
    with LOCK:
        LOG.append({"t": time.time(), "kind": kind, "to": to, "body": body[:2000]})


class SmtpHandler:
    async def handle_DATA(self, server, session, envelope):
        received = time.time()
        await asyncio.sleep(CONFIG["delay"])
        if _fails():
            return "451 Try again later"
        body = envelope.content.decode("utf-8", "replace")
        with LOCK:
            for rcpt in envelope.rcpt_tos:
                LOG.append({"t": received, "kind": "email", "to": rcpt, "body": body[:4000]})
        return "250 OK"


class TwilioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_bench/log":
            since = int(parse_qs(url.query).get("since", ["0"])[0])
            with LOCK:
                self._send(200, {"log": LOG[since:], "next": len(LOG)})
        else:
            self._send(404, {"message": "not found"})

    def do_POST(self):
        received = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.path == "/_bench/config":
            CONFIG.update(json.loads(raw or "{}"))
            self._send(200, CONFIG)
            return
        match = re.search(r"/Accounts/([^/]+)/(Messages|Calls)\.json$", self.path)
        if match is None:
            self._send(404, {"message": "not found"})
            return
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        time.sleep(CONFIG["delay"])
        if _fails():
            self._send(503, {"code": 20503, "message": "Service unavailable", "status": 503})
            return
        kind = "sms" if match.group(2) == "Messages" else "voice"
        body = form.get("Body") or form.get("Twiml") or ""
        with LOCK:
            LOG.append({"t": received, "kind": kind, "to": form.get("To", ""), "body": body})
        prefix = "SM" if kind == "sms" else "CA"
        self._send(201, {"sid": prefix + uuid.uuid4().hex, "account_sid": match.group(1),
                         "to": form.get("To"), "from": form.get("From"), "status": "queued",
                         "body": body, "direction": "outbound-api", "api_version": "2010-04-01",
                         "uri": self.path})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("smtp_port", type=int)
    parser.add_argument("twilio_port", type=int)
    parser.add_argument("--lifetime", type=float, default=3600)
    args = parser.parse_args()
    smtp = Controller(SmtpHandler(), hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", args.twilio_port), TwilioHandler)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    print("ready", flush=True)
    try:
        time.sleep(args.lifetime)
    finally:
        http.shutdown()
        smtp.stop()


if __name__ == "__main__":
    main()
