"""The spoken code: a voice that speaks the person's language, never Twilio's English default."""

import re

import pytest
from django.conf import settings

from verification.senders.twilio import call_twiml

# Amazon Polly voices Twilio offers, with the one locale each speaks.
VOICES = {"Polly.Astrid": "sv-SE", "Polly.Amy": "en-GB"}


def says(twiml: str) -> list[tuple[str, str, str]]:
    """(language, voice, text) of each <Say>."""
    return re.findall(r'<Say language="([^"]*)" voice="([^"]*)">([^<]*)</Say>', twiml)


@pytest.mark.parametrize(("language", "voice", "words"), [
    ("sv", "Polly.Astrid", "Din verifieringskod är"),
    ("en", "Polly.Amy", "Your verification code is"),
])
def test_the_call_names_a_voice_that_speaks_the_language(language, voice, words):
    twiml = call_twiml(code="123456", language=language)

    assert twiml.count("<Say") == 2
    for locale, named, text in says(twiml):
        assert named == voice
        assert locale == VOICES[voice]
        assert words in text


def test_every_portal_language_has_a_voice_of_its_own():
    voices = {says(call_twiml(code="1", language=code))[0][1] for code, _ in settings.LANGUAGES}
    assert len(voices) == len(settings.LANGUAGES)
