"""How the CAPTCHA is shown and heard: a sharp picture, a player in the page's language.

The library draws the picture; this module decides the markup, which voice reads the
characters aloud, and in which language (reset.captcha keeps the challenges).
"""

from pathlib import Path

from captcha.fields import CaptchaTextInput
from django.conf import settings
from django.urls import reverse
from django.utils import translation


def voice_command(language: str, text: str, out: Path) -> list[str] | None:
    """The speech program that reads `text` in `language` into `out`; None if none is here.

    flite speaks English only; a Swedish page needs espeak-ng's Swedish voice, or the letters
    would be named in English. The characters are spelt one by one, with a pause between.
    """
    if language == "sv" and settings.CAPTCHA_ESPEAK_PATH:
        spelt = '<break time="600ms"/>'.join(
            f'<say-as interpret-as="characters">{ch}</say-as>' for ch in text)
        return [settings.CAPTCHA_ESPEAK_PATH, "-v", "sv", "-s", "120", "-m", "-w", str(out),
                f'<speak xml:lang="sv">{spelt}</speak>']
    if language == "en" and settings.CAPTCHA_FLITE_PATH:
        return [settings.CAPTCHA_FLITE_PATH, "-t", ", ".join(text), "-o", str(out)]
    return None


def can_speak(language: str) -> bool:
    return voice_command(language, "A", Path("x.wav")) is not None


class CaptchaWidget(CaptchaTextInput):
    """The picture at twice the pixels for sharp screens, a player, and a refresh button."""

    template_name = "captcha/widgets/captcha.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["image_2x"] = reverse("captcha-image-2x", kwargs={"key": self._key})
        context["audio"] = self.audio_url() if can_speak(translation.get_language()) else None
        context["refresh"] = self.refresh_url()
        # The key travels in a hidden input: "required", autocomplete and aria-* mean nothing
        # there (and are invalid HTML); they belong to the text box only.
        hidden = context["widget"]["subwidgets"][0]["attrs"]
        for attribute in [a for a in hidden if a in ("required", "autocomplete")
                          or a.startswith("aria-")]:
            del hidden[attribute]
        return context
