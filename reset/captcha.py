"""The wizard's CAPTCHA: every challenge is bound to the browser it was shown to, used once.

The pictures and sounds are django-simple-captcha's; what is ours is the life of a challenge.
Its key carries a MAC of the browser's CSRF secret (which Django keeps per browser), so a
challenge solved in one browser is refused in any other; and it is taken out of the store by
one delete, so of N parallel submissions of one solved challenge exactly one passes (OWASP
ASVS 2.2.1; CAPTCHA-solving relays otherwise reuse a solution many times).

Challenges live in the shared cache (Redis), not in the library's table: showing the first
page of the wizard, which anyone may do any number of times, writes nothing to the database,
and the cache forgets a challenge when its time is up, with no sweep.
"""

import hmac
import json
import random
import re
import secrets
import subprocess
import tempfile
from array import array
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField
from captcha.helpers import captcha_audio_url, captcha_image_url
from captcha.views import _captcha_image
from django import forms
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.crypto import salted_hmac

from .captcha_widget import CaptchaWidget, voice_command

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: people read these from a noisy picture or hear them spoken.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
NONCE_LENGTH, MAC_LENGTH = 24, 16  # hex characters; the library's key holds 40
KEY = re.compile(rf"[0-9a-f]{{{NONCE_LENGTH + MAC_LENGTH}}}")


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


def fast_png(image):
    """CAPTCHA_FILTER_FUNCTIONS, last: have the library save the picture at zlib's fastest level.

    At the default level, compressing took two fifths of drawing a picture, for a file no
    smaller: noise hardly compresses at any level. Pillow reads options set on the image
    itself, and the library saves the image this function returns.
    """
    image.encoderinfo = {**getattr(image, "encoderinfo", {}), "compress_level": 1}
    return image


def _mac(nonce: str, request: HttpRequest) -> str:
    get_token(request)  # the browser's CSRF secret, made now if this is its first page
    browser = request.META.get("CSRF_COOKIE", "")
    return salted_hmac("reset.captcha", f"{nonce}:{browser}",
                       algorithm="sha256").hexdigest()[:MAC_LENGTH]


def _cache_key(key: str) -> str:
    return f"reset.captcha:{key}"


def issue(request: HttpRequest) -> str:
    """Store a new challenge for this browser and return its key."""
    nonce = secrets.token_hex(NONCE_LENGTH // 2)
    key = nonce + _mac(nonce, request)
    text, _answer = captcha_settings.get_challenge()()
    cache.set(_cache_key(key), text, timeout=captcha_settings.CAPTCHA_TIMEOUT * 60)
    return key


def challenge_text(key: str) -> str | None:
    """The characters challenge `key` shows, or None once it is used or its time is up."""
    return cache.get(_cache_key(key)) if KEY.fullmatch(key) else None


def consume(*, request: HttpRequest, key: str, answer: str) -> bool:
    """Take challenge `key` out of the store and say whether `answer` solves it.

    Wrong or right, a challenge is tried once. The delete decides who tried it: under
    parallel requests only one of them deletes the entry, and only that one may pass.
    """
    text = challenge_text(key)
    if text is None or not cache.delete(_cache_key(key)):
        return False
    bound = hmac.compare_digest(key[NONCE_LENGTH:].encode(),
                                _mac(key[:NONCE_LENGTH], request).encode())
    return bound and hmac.compare_digest(text.lower().encode(), answer.strip().lower().encode())


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


def image(request: HttpRequest, key: str, scale: int = 1) -> HttpResponse:
    """The picture of challenge `key`, drawn by the library from the characters stored here."""
    text = challenge_text(key)
    if text is None:
        return HttpResponse(status=HTTPStatus.GONE)
    try:
        # The same picture however often the key is fetched (see noise_dots), then a fresh
        # seed, or the next numbers drawn from `random` would follow from the key.
        random.seed(key)
        return _captcha_image(SimpleNamespace(challenge=text), scale)
    finally:
        random.seed()


def audio(request: HttpRequest, key: str) -> HttpResponse:
    """The characters of challenge `key`, spoken in the language of the page that asks."""
    text = challenge_text(key)
    if text is None:
        return HttpResponse(status=HTTPStatus.GONE)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "captcha.wav"
        command = voice_command(translation.get_language(), text, out)
        if command is None:
            raise Http404
        # A list of arguments, no shell; the text is the library's own five characters.
        subprocess.run(command, check=True, capture_output=True, timeout=10)  # noqa: S603
        spoken = out.read_bytes()
    response = HttpResponse(spoken, content_type="audio/wav")
    response["Cache-Control"] = "no-store"
    return response
