import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests.factories import UserFactory
from verification.models import OutboxEntry

from .conftest import identify

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpdesk(policy):
    policy.helpdesk_email = "helpdesk@example.org"
    policy.save()


def contact(client, user_id):
    identify(client, user_id)
    client.post(reverse("reset:give-up"))
    return client.post(reverse("reset:contact"))


def test_the_helpdesk_hears_the_real_reason_and_the_support_code(client, helpdesk):
    UserFactory(username="ines", password_managed_elsewhere=True)
    response = contact(client, "ines")
    event = AuditEvent.objects.get(type=AuditEvent.Type.HELPDESK_CONTACTED)
    mail = OutboxEntry.objects.get(to="helpdesk@example.org")
    assert event.support_code in mail.subject
    assert "Reason: Password managed elsewhere" in mail.body
    assert "managed_elsewhere" not in mail.body + mail.html_body
    assert event.support_code.encode() in response.content


def test_the_helpdesk_reads_its_own_language_whatever_the_page(client, helpdesk, settings):
    settings.SSPR_HELPDESK_LANGUAGE = "sv"
    UserFactory(username="ines", password_managed_elsewhere=True)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    contact(client, "ines")
    mail = OutboxEntry.objects.get(to="helpdesk@example.org")
    assert "Orsak: Lösenordet hanteras någon annanstans" in mail.body
    assert 'lang="sv"' in mail.html_body


def test_each_administrator_reads_the_request_in_their_own_language(client, policy):
    UserFactory(username="root", email="root@example.org", is_superuser=True, is_staff=True,
                language="sv")
    UserFactory(username="boss", email="boss@example.org", is_superuser=True, is_staff=True,
                language="en")
    UserFactory(username="ines")
    contact(client, "ines")
    assert "Orsak:" in OutboxEntry.objects.get(to="root@example.org").body
    assert "Reason:" in OutboxEntry.objects.get(to="boss@example.org").body


def test_for_an_unknown_id_nothing_is_sent_but_the_page_is_the_same(client, helpdesk):
    response = contact(client, "ghost")
    assert b"We've asked an administrator to help" in response.content
    assert not OutboxEntry.objects.exists()
    assert AuditEvent.objects.filter(type=AuditEvent.Type.HELPDESK_CONTACTED,
                                     identifier="ghost").exists()


def test_an_attempt_contacts_the_helpdesk_once(client, helpdesk):
    UserFactory(username="ines")
    contact(client, "ines")
    client.post(reverse("reset:contact"))
    assert OutboxEntry.objects.filter(to="helpdesk@example.org").count() == 1


def test_without_a_helpdesk_address_the_password_administrators_hear(client, policy):
    UserFactory(username="root", email="root@example.org", is_staff=True, is_superuser=True)
    UserFactory(username="plainstaff", email="plain@example.org", is_staff=True)
    UserFactory(username="ines")
    contact(client, "ines")
    assert list(OutboxEntry.objects.values_list("to", flat=True)) == ["root@example.org"]
