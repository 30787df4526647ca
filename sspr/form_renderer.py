"""How forms and widgets are drawn: Django's own form templates, in Jinja2.

A page spent a third of its time drawing its form fields through Django's template language
(each field is six small templates: field, label, attributes, widget, input, attributes);
Django ships the same templates for Jinja2, which draws them several times faster and gives
the same markup. Our own widget templates are in templates/jinja2/. Templates that exist only
for Django's template language (the admin's widgets) are drawn as before.
"""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.utils import translation
from django.utils.functional import cached_property
from jinja2 import Environment


def environment(**options) -> Environment:
    """Jinja2 with Django's translations, for the few words widgets show themselves."""
    options.pop("autoescape", None)  # Django's backend turns it on; here it is never off
    env = Environment(**options, autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    return env


class FormRenderer(TemplatesSetting):
    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2({
            "NAME": "forms",
            "DIRS": [settings.BASE_DIR / "templates" / "jinja2",
                     Path(django.forms.__file__).parent / "jinja2"],
            "APP_DIRS": False,
            "OPTIONS": {"environment": "sspr.form_renderer.environment"},
        })

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return super().get_template(template_name)
