"""Pages, form fields and our widgets are drawn with Jinja2, fields from Django's Jinja2 form
templates with the same markup; the admin's templates and widgets and the message bodies stay
in Django's template language."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.forms.renderers import get_default_renderer
from django.template import defaultfilters
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation
from jinja2 import FileSystemLoader

from accounts.forms import SignInForm
from reset.forms import IdentifyForm
from sspr.jinja2 import date, environment
from tests.factories import UserFactory


def test_pages_are_drawn_with_jinja2_the_admin_and_messages_with_django_templates():
    assert isinstance(get_template("base.html"), Jinja2Template)
    assert isinstance(get_template("admin/base_site.html"), DjangoTemplate)
    assert isinstance(get_template("emails/password_changed.txt"), DjangoTemplate)


def test_a_views_context_wins_over_the_context_processors(settings):
    settings.SSPR_ORGANISATION_NAME = "Example AB"
    request = RequestFactory().get("/")
    request.user = UserFactory.build(username="someone")  # what the auth processor would give

    html = get_template("500.html").render({"user": AnonymousUser(), "messages": ()}, request)

    assert "Sign out" not in html
    assert "Example AB" in html  # the processors' other values are still there


def test_dates_are_in_the_current_time_zone_and_language():
    template = environment().from_string('{{ when|date("j F Y H:i") }}')
    with translation.override("sv"), timezone.override("Europe/Stockholm"):
        assert template.render(when=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == "2 mars 2026 00:30"


def test_a_missing_variable_is_empty_as_in_djangos_templates():
    assert environment().from_string("[{{ attempt.user.username }}]").render() == "[]"


def test_fields_and_our_widgets_are_drawn_with_jinja2():
    renderer = get_default_renderer()
    for name in ("django/forms/field.html", "django/forms/widgets/input.html",
                 "captcha/widgets/captcha.html"):
        assert isinstance(renderer.get_template(name), Jinja2Template), name


def test_the_admins_widgets_are_drawn_with_django_templates():
    template = get_default_renderer().get_template("admin/widgets/related_widget_wrapper.html")
    assert isinstance(template, DjangoTemplate)


def test_a_field_keeps_its_label_help_and_attributes():
    html = str(SignInForm(request=RequestFactory().get("/"))["username"].as_field_group())
    assert '<label for="id_username">' in html
    assert 'autocomplete="username"' in html
    assert 'required id="id_username"' in html


def test_the_captcha_speaks_the_pages_language(db):
    with translation.override("sv"):
        form = IdentifyForm(request=RequestFactory().get("/"))
        html = str(form["captcha"].as_field_group())
    assert "Visa en ny bild" in html
    assert 'alt="Tecken att skriva, i en förvrängd bild"' in html


def test_a_page_masks_its_csrf_token_once_for_all_its_forms(client):
    """Every form of a page carries the same masked token (not one masking per form), it is
    accepted, and the next page's token is masked anew."""
    html = client.get(reverse("reset:identify")).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2  # the language switch and the page's own form
    assert len(set(tokens)) == 1

    again = client.get(reverse("reset:identify")).content.decode()
    assert re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again)[1] != tokens[0]

    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    answer = checked.post(reverse("set_language"),
                          {"csrfmiddlewaretoken": tokens[0], "language": "sv", "next": "/"})
    assert answer.status_code == 302


def test_links_are_reversed_once_yet_follow_the_script_prefix():
    template = environment().from_string("{{ url('reset:identify') }}")
    path = reverse("reset:identify")
    assert template.render() == path
    try:
        set_script_prefix("/portal/")
        assert template.render() == "/portal" + path
    finally:
        set_script_prefix("/")
    assert template.render() == path


def test_translations_are_format_strings_with_their_values_escaped():
    env = environment()
    with translation.override("sv"):
        words = env.from_string('{{ _("Next") }} {{ _("100%% sure") }}')
        assert words.render() == "Nästa 100% sure"
        rendered = env.from_string('{% trans name="<b>" %}Sign out ({{ name }}){% endtrans %}')
        assert rendered.render() == "Logga ut (&lt;b&gt;)"
        plural = env.from_string("{% trans n=2 %}{{ n }} code{% pluralize %}{{ n }} codes"
                                 "{% endtrans %}")
        assert plural.render() == "2 codes"


def test_radio_buttons_are_drawn_as_djangos_own_templates_draw_them():
    django_forms = Path(forms.__file__).parent / "jinja2"
    djangos = environment(loader=FileSystemLoader(django_forms))
    ours = get_default_renderer().get_template("django/forms/widgets/radio.html")
    assert "templates/jinja2" in ours.template.filename
    widget = forms.RadioSelect(attrs={"class": "methods", "required": True, "data-x": False})
    choices = [("email", "Email <me>"), ("Phones", [("sms", "Text"), ("call", "Call")])]
    widget.choices = choices
    for value in ("email", "sms", None):
        context = widget.get_context("method", value, {"id": "id_method"})
        assert ours.render(context) == djangos.get_template(
            "django/forms/widgets/radio.html").render(context)


@pytest.mark.parametrize("format", ["Y-m-d H:i", "Y-m-d H:i:s", "Y-m-d\\TH:i:sO", "d.m.Y",
                                    "j F Y", "D, d M Y", "100% Y"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Stockholm", "Asia/Kolkata", "America/St_Johns"])
def test_dates_of_digits_alone_read_as_djangos_date_filter_writes_them(format, zone):
    when = [datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC), datetime(2026, 7, 30, 23, 59, 1, tzinfo=UTC)]
    for language in ("en", "sv"):
        with translation.override(language), timezone.override(zone):
            for value in when:
                expected = defaultfilters.date(timezone.localtime(value), format)
                assert date(value, format) == expected
