import re
import shutil
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

import pytest
from captcha.conf import settings as captcha_settings
from django.urls import reverse
from PIL import Image, ImageDraw

from reset.captcha_widget import voice_command

pytestmark = pytest.mark.django_db


def test_the_picture_has_a_text_alternative_and_a_label(client):
    html = client.get(reverse("reset:identify")).content.decode()
    assert 'alt="Characters to type, in a distorted picture"' in html
    assert '<label for="id_captcha_1">' in html


def shown_key(html: str) -> str:
    return re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)


def installed(settings, program: str) -> str:
    path = shutil.which(program)
    if not path:
        message = f"{program} is not installed (apt-get install {program})"
        if settings.SSPR_REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def heard(client, key: str) -> bytes:
    audio = client.get(reverse("captcha-audio", kwargs={"key": key}))
    assert audio.status_code == HTTPStatus.OK
    assert audio["Content-Type"] == "audio/wav"
    body = b"".join(audio.streaming_content if audio.streaming else [audio.content])
    assert body[:4] == b"RIFF"
    return body


def test_the_characters_can_be_heard_in_a_player_on_the_page(client, settings):
    settings.CAPTCHA_FLITE_PATH = installed(settings, "flite")
    html = client.get(reverse("reset:identify")).content.decode()
    assert "Listen to the characters" in html
    assert re.search(r'<audio[^>]* controls[^>]* src="/captcha/audio/\w+\.wav"', html)
    assert 'class="captcha__audio"' in html
    assert "<a href=\"/captcha/audio" not in html
    heard(client, shown_key(html))


def test_the_swedish_page_spells_the_characters_with_a_swedish_voice(client, settings):
    settings.CAPTCHA_FLITE_PATH = installed(settings, "flite")
    settings.CAPTCHA_ESPEAK_PATH = installed(settings, "espeak-ng")
    key = shown_key(client.get(reverse("reset:identify")).content.decode())
    english = heard(client, key)
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})

    html = client.get(reverse("reset:identify")).content.decode()

    assert "Lyssna på tecknen" in html
    swedish = heard(client, key)
    assert swedish != english
    command = voice_command("sv", "AC3", Path("out.wav"))
    assert command[:3] == [settings.CAPTCHA_ESPEAK_PATH, "-v", "sv"]


def test_without_a_swedish_voice_the_swedish_page_offers_no_english_audio(client, settings):
    settings.CAPTCHA_ESPEAK_PATH = None
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    html = client.get(reverse("reset:identify")).content.decode()
    assert "<audio" not in html
    key = shown_key(html)
    assert client.get(reverse("captcha-audio", kwargs={"key": key})).status_code == (
        HTTPStatus.NOT_FOUND)


def test_the_picture_has_twice_the_pixels_for_sharp_screens(client):
    html = client.get(reverse("reset:identify")).content.decode()
    key = shown_key(html)
    assert f"/captcha/image/{key}@2/ 2x" in html
    sharp = client.get(reverse("captcha-image-2x", kwargs={"key": key}))
    assert sharp.status_code == HTTPStatus.OK


def test_the_hidden_key_carries_no_attributes_meant_for_the_text_box(client):
    html = client.get(reverse("reset:identify")).content.decode()
    hidden = re.search(r'<input type="hidden" name="captcha_0"[^>]*>', html).group(0)
    assert "required" not in hidden
    assert "aria-describedby" not in hidden


def test_the_bypass_word_of_the_captcha_library_is_off():
    assert captcha_settings.CAPTCHA_TEST_MODE is False


def test_the_picture_is_the_same_each_time_its_key_is_fetched_with_its_dots_drawn_at_once(
        client, monkeypatch):
    key = shown_key(client.get(reverse("reset:identify")).content.decode())
    url = reverse("captcha-image", kwargs={"key": key})
    drawn = []
    point = ImageDraw.ImageDraw.point

    def counted(draw, xy, fill=None):
        drawn.append(xy)
        return point(draw, xy, fill)

    monkeypatch.setattr(ImageDraw.ImageDraw, "point", counted)
    picture = client.get(url).content
    width, height = captcha_settings.CAPTCHA_IMAGE_SIZE
    # One dot for every ten pixels, as the library draws them, in one call rather than 1,080.
    assert [len(xy) for xy in drawn] == [width * height // 10]
    assert all(0 <= x < width and 0 <= y < height for x, y in drawn[0])
    assert client.get(url).content == picture


def test_the_picture_is_compressed_at_the_fastest_level(client):
    key = shown_key(client.get(reverse("reset:identify")).content.decode())
    picture = client.get(reverse("captcha-image", kwargs={"key": key})).content
    assert Image.open(BytesIO(picture)).size == captcha_settings.CAPTCHA_IMAGE_SIZE
    # The first IDAT chunk's data opens with the zlib header, whose FLEVEL bits say how hard
    # the encoder worked (RFC 1950): 0 is the fastest, 2 the default.
    idat = picture.index(b"IDAT") + 4
    assert picture[idat + 1] >> 6 == 0
