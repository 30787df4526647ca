"""The wizard's CAPTCHA: every challenge is bound to the browser it was shown to, used once.

The pictures and sounds are django-simple-captcha's; what is ours is the life of a challenge.
Its key carries a MAC of the browser's CSRF secret (which Django keeps per browser), so a
challenge solved in one browser is refused in any other; and it is taken out of the store by
one DELETE, so of N parallel submissions of one solved challenge exactly one passes (OWASP
ASVS 2.2.1; CAPTCHA-solving relays otherwise reuse a solution many times).
"""

import hmac
import json
import random
import secrets
from array import array

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField
from captcha.helpers import captcha_audio_url, captcha_image_url
from captcha.models import CaptchaStore
from django import forms
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .captcha_widget import CaptchaWidget

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: people read these from a noisy picture or hear them spoken.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
NONCE_LENGTH, MAC_LENGTH = 24, 16  # hex characters; the library's key holds 40


def challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: five unambiguous characters; the answer is the same text."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(5))
    return text, text


def noise_dots(draw, image):
    """CAPTCHA_NOISE_FUNCTIONS: the library's dots, one for every ten pixels, in one call.

    The library draws its 1,080 dots one call and three random draws each, which took half
    the time of a picture. These are as many, as evenly spread, in the same colour, and
    drawn from `random` too, which the library seeds with the key, so that a key shows the
    same picture however often it is fetched (averaging many noisy copies would clean it).
    """
    width, height = image.size
    count = width * height // 10
    # Noise, not a secret: seeded per key on purpose (above).
    values = array("H", random.randbytes(4 * count))  # noqa: S311 - x, y, x, y, ... 0..65535
    draw.point([(x * width >> 16, y * height >> 16) for x, y in zip(values[::2], values[1::2],
                                                                  strict=True)],
               fill=captcha_settings.CAPTCHA_FOREGROUND_COLOR)
    return draw


def _mac(nonce: str, request: HttpRequest) -> str:
    get_token(request)  # the browser's CSRF secret, made now if this is its first page
    browser = request.META.get("CSRF_COOKIE", "")
    return salted_hmac("reset.captcha", f"{nonce}:{browser}",
                       algorithm="sha256").hexdigest()[:MAC_LENGTH]


def issue(request: HttpRequest) -> str:
    """Store a new challenge for this browser and return its key."""
    nonce = secrets.token_hex(NONCE_LENGTH // 2)
    text, answer = captcha_settings.get_challenge()()
    return CaptchaStore.objects.create(challenge=text, response=answer,
                                       hashkey=nonce + _mac(nonce, request)).hashkey


def consume(*, request: HttpRequest, key: str, answer: str) -> bool:
    """Take challenge `key` out of the store and say whether `answer` solves it.

    Wrong or right, a challenge is tried once. The DELETE decides who tried it: under
    parallel requests only one of them deletes the row, and only that one may pass.
    """
    table = connection.ops.quote_name(CaptchaStore._meta.db_table)
    with connection.cursor() as cursor:
        # One statement, PostgreSQL and SQLite alike: the row goes to whoever deletes it.
        cursor.execute(f"DELETE FROM {table} WHERE hashkey = %s AND expiration > %s "  # noqa: S608
                       "RETURNING response", [key, timezone.now()])
        row = cursor.fetchone()
    if row is None:
        return False
    bound = hmac.compare_digest(key[NONCE_LENGTH:].encode(),
                                _mac(key[:NONCE_LENGTH], request).encode())
    return bound and hmac.compare_digest(row[0].encode(), answer.strip().lower().encode())


class BoundCaptchaInput(CaptchaWidget):
    """Our CAPTCHA widget, with a challenge bound to the browser that sees it."""

    request: HttpRequest | None = None

    def fetch_captcha_store(self, name, value, attrs=None, generator=None):
        self._key = issue(self.request)
        self._value = [self._key, ""]
        self.id_ = self.build_attrs(attrs).get("id", None)


class BoundCaptchaField(CaptchaField):
    """A CAPTCHA answer that counts once, in the browser the challenge was shown to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=BoundCaptchaInput(), **kwargs)

    def bind(self, request: HttpRequest) -> None:
        self.request = self.widget.request = request

    def clean(self, value):
        forms.MultiValueField.clean(self, value)  # required parts; not the library's check
        key, answer = (value or ["", ""])[:2]
        if not consume(request=self.request, key=str(key or ""), answer=str(answer or "")):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def refresh(request: HttpRequest) -> HttpResponse:
    """A new picture without reloading the page: the library's answer, with a bound key."""
    if request.headers.get("x-requested-with") != "XMLHttpRequest":
        raise Http404
    key = issue(request)
    audio = captcha_audio_url(key) if captcha_settings.CAPTCHA_FLITE_PATH else None
    return HttpResponse(json.dumps({"key": key, "image_url": captcha_image_url(key),
                                    "audio_url": audio}), content_type="application/json")
