"""Form fields are drawn from Django's Jinja2 form templates, with the same markup; templates
that exist only for Django's template language (the admin's widgets) still work."""

from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test import RequestFactory
from django.utils import translation

from accounts.forms import SignInForm
from reset.forms import IdentifyForm


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
