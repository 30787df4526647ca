"""`make messages` reads the pages' Jinja2 templates with Jinja2's parser, Django's own files
with Django's, and each message keeps the msgid the Swedish catalogue translates."""

from django.conf import settings
from django.core.management.commands.makemessages import TranslatableFile

from accounts.management.commands.makemessages import BuildFile, gettext_calls


def test_every_message_of_a_jinja2_template_reaches_xgettext_on_its_line():
    source = ('{{ _("Home") }}\n'
              "{% trans org=name %}Use your {{ org }} ID.{% endtrans %}\n"
              "{% trans n=wait %}In {{ n }} second.{% pluralize %}"
              "In {{ n }} seconds.{% endtrans %}")

    assert gettext_calls(source).splitlines() == [
        "_('Home'); ",
        "gettext('Use your %(org)s ID.', None); ",
        "ngettext('In %(n)s second.', 'In %(n)s seconds.', None, None); ",
    ]


def test_only_the_jinja2_engines_templates_are_read_as_jinja2():
    templates = settings.BASE_DIR / "templates"

    def build_file(folder, name):
        return BuildFile(None, "django", TranslatableFile(str(folder), name, None))

    assert build_file(templates / "jinja2", "base.html").is_jinja2
    assert build_file(templates / "jinja2" / "reset", "gate.html").is_jinja2
    assert not build_file(templates / "emails", "base.html").is_jinja2
    assert not build_file(settings.BASE_DIR / "accounts", "views.py").is_jinja2
