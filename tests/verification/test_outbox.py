from http import HTTPStatus

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from verification.models import OutboxEntry

pytestmark = pytest.mark.django_db


def test_emails_sent_in_local_mode_are_kept_in_the_outbox():
    message = EmailMultiAlternatives("Subject line", "Plain body", to=["a@example.org"])
    message.attach_alternative("<p>HTML body</p>", "text/html")
    message.send()

    entry = OutboxEntry.objects.get()
    assert (entry.channel, entry.to, entry.subject) == ("email", "a@example.org", "Subject line")
    assert entry.body == "Plain body"
    assert entry.html_body == "<p>HTML body</p>"


def test_the_outbox_page_lists_messages_newest_first(client):
    OutboxEntry.objects.create(channel="email", to="a@example.org", subject="First", body="1")
    OutboxEntry.objects.create(channel="sms", to="+46701234567", body="Your code is 123456")

    response = client.get(reverse("outbox:list"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.index("Your code is 123456") < html.index("First")
    assert "+46701234567" in html


def test_the_outbox_escapes_what_it_shows(client):
    OutboxEntry.objects.create(channel="email", to="a@example.org", body="<script>x()</script>")
    html = client.get(reverse("outbox:list")).content.decode()
    assert "<script>x()" not in html
    assert "&lt;script&gt;x()" in html
