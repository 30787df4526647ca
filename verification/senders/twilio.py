"""Texts and voice calls through Twilio's own library, with a timeout on every request."""

from contextlib import contextmanager

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from ..texts import sms_text, voice_script
from . import PermanentSendError, TransientSendError

# The locale and the voice <Say> speaks with, per portal language. Twilio's default voice
# speaks English only, whatever the locale: a Swedish code needs a voice that speaks Swedish
# (Amazon Polly's Astrid, sv-SE), else it is read with English pronunciation.
SAY_VOICES = {"sv": ("sv-SE", "Polly.Astrid"), "en": ("en-GB", "Polly.Amy")}


def twilio_client() -> Client:
    """Return a client whose every request gives up after SSPR_TWILIO_TIMEOUT seconds."""
    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=settings.SSPR_TWILIO_TIMEOUT),
    )
    # The library builds every URL from its domain's base URL; pointing it elsewhere is how a
    # regional edge (or the tests' local fake server) is reached with the same code path.
    client.api.base_url = settings.SSPR_TWILIO_API_BASE_URL
    return client


@contextmanager
def _errors():
    """Map the library's and the network's failures to ours: 5xx/429/timeouts are transient."""
    try:
        yield
    except TwilioRestException as exc:
        reason = f"twilio {exc.status} {exc.code or ''}".strip()
        if exc.status >= 500 or exc.status == 429:
            raise TransientSendError(reason) from None
        raise PermanentSendError(reason) from None
    except requests.Timeout:
        raise TransientSendError("twilio timeout") from None
    except requests.ConnectionError:
        raise TransientSendError("twilio unreachable") from None
    except TwilioException as exc:
        raise PermanentSendError(f"twilio {type(exc).__name__}") from None


class TwilioSmsSender:
    """Text the code."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        body = sms_text(code=code, language=language)
        with _errors():
            twilio_client().messages.create(to=to, from_=settings.TWILIO_FROM_NUMBER, body=body)


class TwilioVoiceSender:
    """Call and read the code twice, with the TwiML passed inline (no webhook to host)."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        with _errors():
            twilio_client().calls.create(to=to, from_=settings.TWILIO_FROM_NUMBER,
                                         twiml=call_twiml(code=code, language=language))


def call_twiml(*, code: str, language: str) -> str:
    """The call's TwiML: the code read twice, by a voice that speaks `language`."""
    script = voice_script(code=code, language=language)
    locale, voice = SAY_VOICES.get(language, SAY_VOICES["en"])
    response = VoiceResponse()
    response.say(script, language=locale, voice=voice)
    response.pause(length=1)
    response.say(script, language=locale, voice=voice)
    return str(response)
