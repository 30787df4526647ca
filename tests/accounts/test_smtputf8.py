"""Mail to an address with a Unicode local part (RFC 6531), through a real SMTP server."""

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import get_connection

from accounts.delivery import PermanentSendError, smtp_errors
from accounts.mail import render_templated_email
from tests.integration.conftest import free_port


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def serve():
    """Start a local SMTP server, with or without SMTPUTF8; returns (controller, inbox)."""
    started = []

    def start(*, smtputf8: bool):
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                                enable_SMTPUTF8=smtputf8)
        controller.start()
        started.append(controller)
        return controller, inbox

    yield start
    for controller in started:
        controller.stop()


def send(controller, to):
    message = render_templated_email(to=[to], template="password_changed", context={},
                                     language="sv")
    message.connection = get_connection("accounts.mail.EmailBackend", timeout=5,
                                        host=controller.hostname, port=controller.port)
    with smtp_errors():
        message.send()


def test_a_unicode_local_part_travels_as_utf8_to_the_mailbox_typed(serve):
    controller, inbox = serve(smtputf8=True)
    send(controller, "åsa.öberg@exämple.se")

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["åsa.öberg@xn--exmple-cua.se"]
    assert "SMTPUTF8" in envelope.mail_options
    assert "\r\nTo: åsa.öberg@xn--exmple-cua.se\r\n".encode() in envelope.content


def test_a_server_without_smtputf8_is_a_permanent_refusal(serve):
    controller, inbox = serve(smtputf8=False)
    with pytest.raises(PermanentSendError, match="553"):
        send(controller, "åsa.öberg@exämple.se")
    assert inbox.envelopes == []


@pytest.mark.parametrize("smtputf8", [True, False])
def test_an_ascii_local_part_goes_through_djangos_own_path(serve, smtputf8):
    controller, inbox = serve(smtputf8=smtputf8)
    send(controller, "anna@exämple.se")

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["anna@xn--exmple-cua.se"]
    assert "SMTPUTF8" not in envelope.mail_options
    assert b"\r\nTo: anna@xn--exmple-cua.se\r\n" in envelope.content
