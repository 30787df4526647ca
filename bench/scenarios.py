"""What a person does on each side, as requests: the portal's steps and stock Django's."""

import hmac
import pickle
import secrets
import struct
import threading
import time

import redis

from .load import Client, Response, input_value, location

PASSWORD = "Orchid-Lantern-Basalt-" + secrets.token_hex(3)


def new_password() -> str:
    return f"Vivid-{secrets.token_hex(5)}-Harbour-{secrets.randbelow(10**6)}"


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238: the 6-digit code an authenticator app shows now for `key_hex`."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


class Names:
    """Hands out seeded user names, each once: steps that change a password use them up."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.lock = threading.Lock()

    def take(self, count: int = 1) -> list[str]:
        with self.lock:
            if len(self.names) < count:
                raise RuntimeError("the benchmark ran out of seeded users; seed more")
            taken, self.names = self.names[:count], self.names[count:]
        return taken


class Portal:
    """The portal's pages; the CAPTCHA is read from its store (the cache) as a test would."""

    def __init__(self, port: int, cache_url: str, totp_key: str) -> None:
        self.port = port
        self.totp_key = totp_key
        self.cache = redis.Redis.from_url(cache_url)

    def client(self) -> Client:
        client = Client(self.port, "/sign-in/")
        client.csrf()
        return client

    def captcha(self, client: Client) -> tuple[str, str]:
        page = client.get("/reset/")
        key = input_value(page.body, "captcha_0")
        # Django's cache key (prefix "", version 1) and value (a pickled str) of
        # reset.captcha's entry; the portal wrote it to this Redis database a moment ago.
        stored = self.cache.get(f":1:reset.captcha:{key}")
        if stored is None:
            raise RuntimeError("no CAPTCHA stored for the page's key")
        return key, pickle.loads(stored)  # noqa: S301 - the portal's own entry

    def identify_form(self, client: Client, username: str) -> dict:
        key, answer = self.captcha(client)
        return {"username": username, "mode": "reset", "captcha_0": key, "captcha_1": answer}

    def identify(self, client: Client, username: str) -> Response:
        return client.post("/reset/", self.identify_form(client, username))

    def at_method_page(self, client: Client, username: str) -> None:
        response = self.identify(client, username)
        expect(response, "/reset/verify/")

    def at_app_gate(self, client: Client, username: str) -> None:
        self.at_method_page(client, username)
        expect(client.post("/reset/verify/", {"method": "authenticator"}),
               "/reset/verify/authenticator/")

    def at_email_code(self, client: Client, username: str) -> None:
        """At the email gate's code form, having typed the address the seed registers (for
        an unknown ID, the same form of address: nothing is sent to it)."""
        self.at_method_page(client, username)
        expect(client.post("/reset/verify/", {"method": "email"}), "/reset/verify/email/")
        expect(client.post("/reset/verify/email/", {"destination": f"{username}@example.net"}),
               "/reset/verify/email/")

    def at_new_password(self, client: Client, username: str) -> None:
        self.at_app_gate(client, username)
        expect(client.post("/reset/verify/authenticator/", {"code": totp(self.totp_key)}),
               "/reset/new-password/")

    def sign_in(self, client: Client, username: str) -> Response:
        client.drop_session()
        return client.post("/sign-in/", {"username": username, "password": PASSWORD})

    def signed_in(self, client: Client, username: str) -> None:
        response = self.sign_in(client, username)
        if response.status != 302:
            raise RuntimeError(f"sign-in as {username} answered {response.status}")
        client.password = PASSWORD
        client.get("/account/")

    def set_new_password(self, client: Client) -> Response:
        password = new_password()
        return client.post("/reset/new-password/",
                           {"new_password1": password, "new_password2": password})

    def change_password(self, client: Client) -> Response:
        password = new_password()
        return client.post("/account/password/", {"old_password": client.password,
                                                  "new_password1": password,
                                                  "new_password2": password})

    def close(self) -> None:
        self.cache.close()


class Stock:
    """django.contrib.auth's views, as the stock project routes them."""

    def __init__(self, port: int, links: dict[str, str]) -> None:
        self.port = port
        self.links = links

    def client(self) -> Client:
        client = Client(self.port, "/accounts/login/")
        client.csrf()
        return client

    def reset_get(self, client: Client) -> Response:
        return client.get("/accounts/password_reset/")

    def reset_post(self, client: Client) -> Response:
        return client.post("/accounts/password_reset/", {"email": "bench-00000@example.org"})

    def sign_in(self, client: Client, username: str) -> Response:
        client.drop_session()
        return client.post("/accounts/login/", {"username": username, "password": PASSWORD})

    def signed_in(self, client: Client, username: str) -> None:
        response = self.sign_in(client, username)
        if response.status != 302:
            raise RuntimeError(f"stock sign-in as {username} answered {response.status}")
        client.password = PASSWORD

    def at_set_password(self, client: Client, username: str) -> None:
        response = client.get(self.links[username])
        client.set_password_path = location(response)
        if not client.set_password_path.endswith("/set-password/"):
            raise RuntimeError(f"stock reset link answered {response.status}")

    def set_new_password(self, client: Client) -> Response:
        password = new_password()
        return client.post(client.set_password_path,
                           {"new_password1": password, "new_password2": password})

    def change_password(self, client: Client) -> Response:
        password = new_password()
        return client.post("/accounts/password_change/", {"old_password": client.password,
                                                          "new_password1": password,
                                                          "new_password2": password})


def expect(response: Response, path: str) -> None:
    if response.status != 302 or location(response) != path:
        raise RuntimeError(f"expected a redirect to {path}, got {response.status} "
                           f"{location(response)!r}")

