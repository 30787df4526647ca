import shutil
from http import HTTPStatus

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_picture_has_a_text_alternative_and_a_label(client):
    html = client.get(reverse("reset:identify")).content.decode()
    assert 'alt="Characters to type, in a distorted picture"' in html
    assert '<label for="id_captcha_1">' in html


def test_the_characters_can_be_heard_instead(client, settings):
    flite = shutil.which("flite")
    if not flite:
        if settings.SSPR_REQUIRE_SERVICES:
            pytest.fail("flite is not installed (apt-get install flite)")
        pytest.skip("flite is not installed (apt-get install flite)")
    settings.CAPTCHA_FLITE_PATH = flite
    html = client.get(reverse("reset:identify")).content.decode()
    assert "Listen to the characters" in html
    key = CaptchaStore.objects.latest("expiration").hashkey
    audio = client.get(reverse("captcha-audio", kwargs={"key": key}))
    assert audio.status_code == HTTPStatus.OK
    assert audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content if audio.streaming else [audio.content])[:4] == b"RIFF"


def test_the_bypass_word_of_the_captcha_library_is_off():
    assert captcha_settings.CAPTCHA_TEST_MODE is False
