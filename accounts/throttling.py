"""Request limits per client address (django-ratelimit) shared by the portal's forms."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS


def setting_rate(name: str):
    """A django-ratelimit rate read from setting `name` at request time (so tests can vary it)."""

    def rate(group, request) -> str:
        return getattr(settings, name)

    return rate


class LimitedFormMixin:
    """Answer a rate-limited POST with the empty form and `limited_message`, status 429.

    Nothing in the posted data is looked at: validating it could hash a password or count
    a failure, which is exactly the work the limit is there to refuse.
    """

    limited_message = ""

    def post(self, request, *args, **kwargs):
        if not getattr(request, "limited", False):
            return super().post(request, *args, **kwargs)
        kwargs = {k: v for k, v in self.get_form_kwargs().items() if k not in {"data", "files"}}
        form = self.get_form_class()(**kwargs)
        form.errors[NON_FIELD_ERRORS] = form.error_class([self.limited_message],
                                                         error_class="nonfield")
        return self.render_to_response(self.get_context_data(form=form),
                                       status=HTTPStatus.TOO_MANY_REQUESTS)
