"""How pages, forms and widgets are drawn: Jinja2, with Django's translations, URLs and dates.

A page spent as much time in Django's template language as stock Django spends on a whole
page; Jinja2 compiles each template to Python once and draws the same markup several times
faster. One engine (the first in TEMPLATES) draws the pages and our widgets, from
templates/jinja2/, and form fields from Django's own form templates for Jinja2: the form
renderer (TemplatesSetting) asks the engines in order. The admin, its widgets and the message
bodies stay in Django's template language, which the second engine draws.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache, partial

from django.conf import settings
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.template.backends import jinja2 as backend
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, Environment
from markupsafe import Markup

from accounts.user_agents import browser_summary


def environment(**options) -> Environment:
    """Jinja2 with autoescaping, Django's translations and what the page templates use.

    A missing variable is empty, also when a template asks for one of its attributes, as in
    Django's template language: a page that shows an optional object does not fail for lack
    of it.
    """
    options.pop("autoescape", None)  # Django's backend turns it on; here it is never off
    options["undefined"] = ChainableUndefined
    env = Environment(**options, autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True,
                                  pgettext=translation.pgettext,
                                  npgettext=translation.npgettext)
    # The two a page calls dozens of times, without the newstyle wrappers' layers.
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.globals.update(url=url, static=cache(static), get_language=translation.get_language,
                       languages=languages)
    env.filters.update(date=date, capfirst=capfirst, browser_summary=browser_summary)
    return env


def gettext(message: str, **variables) -> Markup:
    """Jinja2's newstyle gettext, the same answer in one call instead of three: the
    translation as markup, always taken as a format string, with `variables` escaped in.

    The catalogue's strings are the project's own, trusted as markup as newstyle trusts them.
    """
    return Markup(translation.gettext(message)) % variables  # noqa: S704 - our catalogue


def ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    variables.setdefault("num", num)
    return Markup(translation.ngettext(singular, plural, num)) % variables  # noqa: S704


def url(name: str) -> str:
    """The path of a named URL that takes no arguments (the only kind the pages name).

    Reversed once per name and script prefix: the URLconf does not change while a process
    runs. A page names up to a dozen, and reversing one costs as much as a small page's
    other work. Static files' URLs are kept the same way (`static`).
    """
    return _url(name, get_script_prefix())


@cache
def _url(name: str, prefix: str) -> str:
    return reverse(name)


def languages() -> list[dict]:
    """The languages the portal speaks, each with its code and its own name for itself."""
    return [translation.get_language_info(code) for code, _name in settings.LANGUAGES]


def date(value, format: str | None = None) -> str:
    """Django's date filter: in the current time zone, with the current language's names.

    A format of digits only (a table's times, a machine-readable datetime) needs no language
    and is written by strftime, which costs a tenth of Django's formatting.
    """
    digits = _strftime(format) if format and isinstance(value, datetime) else None
    if digits is None:
        return defaultfilters.date(template_localtime(value), format)
    return template_localtime(value).strftime(digits)


# Django's format characters that are digits alone, and strftime's for them.
DIGITS = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S", "O": "%z"}


@cache
def _strftime(format: str) -> str | None:
    """`format` for strftime, or None if it names anything but `DIGITS` (a month's name)."""
    out, chars = [], iter(format)
    for char in chars:
        if char == "\\":
            out.append(next(chars, "").replace("%", "%%"))
        elif char in DIGITS:
            out.append(DIGITS[char])
        elif char.isalpha():
            return None
        else:
            out.append(char.replace("%", "%%"))
    return "".join(out)


def csrf_token_once(request) -> Callable[[], str]:
    """The page's CSRF token, masked once however many forms the page has.

    Django's lazy token masks the secret again each time a template prints it: 32 draws from
    the system's random source per form, and a page has up to three forms (the language
    switch, its own, a secondary one). One masked token per response keeps BREACH's defence,
    which needs a token that differs between responses, not between the forms of one.
    """
    return cache(partial(get_token, request))


def csrf_input(token: Callable[[], str]) -> SafeString:
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token())


# Made once: lazy() builds a class on each call.
lazy_token = lazy(lambda token: token(), str)
lazy_input = lazy(csrf_input, SafeString, str)


class Template(backend.Template):
    def render(self, context=None, request=None):
        """Draw with the context processors' values under the view's own, as Django's does.

        Django's Jinja2 backend lets a context processor overwrite what the view passed; an
        error page must be able to say "no messages, no signed-in user" without the session
        being read (sspr.middleware.DATABASE_FREE).
        """
        if request is None:
            return super().render(context)
        token = csrf_token_once(request)
        full = {"request": request, "csrf_token": lazy_token(token),
                "csrf_input": lazy_input(token)}
        for processor in self.backend.template_context_processors:
            full.update(processor(request))
        full.update(context or {})
        return super().render(full)


class Jinja2(backend.Jinja2):
    """Django's Jinja2 backend, drawing with the Template above."""

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)
