"""The wizard's new-password step hashes once, whatever the history holds."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import set_new_password

from .conftest import identify
from .test_journeys import NEW, pass_gate

pytestmark = pytest.mark.django_db


def test_the_new_password_costs_one_argon2_operation_with_five_old_ones(
    client, registered, argon2_operations
):
    for n in range(5):
        set_new_password(user=registered, password=f"Orchid-Tundra-Piano-{n}x",
                         event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
    identify(client, "hanna")
    pass_gate(client, registered, "authenticator")
    argon2_operations.clear()

    response = client.post(reverse("reset:new-password"),
                           {"new_password1": NEW, "new_password2": NEW})

    assert response["Location"] == reverse("reset:done")
    assert argon2_operations == ["encode"]
    # Kept out of error reports, as every view that takes a password.
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"
    registered.refresh_from_db()
    assert registered.check_password(NEW)
