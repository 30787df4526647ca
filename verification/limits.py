"""The send limits of SPEC 6.1, counted in the database so that a cache flush resets none.

Each rule counts messages handed to the provider, not rows: a row counts once before its
first try and once per try after (a retry after a lost answer may have been delivered, and is
paid for), in the VerificationCode rows already written: per account and purpose (the
resend cooldown), per account (email), per number (texts and calls), per client address,
the countries texts and calls may go to, and the global hourly budget for texts and calls.
"""

from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import VerificationCode
from .models.codes import PHONE_CHANNELS

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Refusal:
    """Why a code was not sent: `reason` for the audit log, `message` for the person."""

    reason: str
    message: Promise


COOLDOWN = Refusal("cooldown", _("We just sent you a code. Wait a minute before asking for "
                                 "a new one, and check your messages."))
EMAIL_LIMIT = Refusal("email_limit", _("Too many codes were emailed to you. Wait ten minutes "
                                       "and try again."))
NUMBER_LIMIT = Refusal("number_limit", _("Too many texts or calls went to this number. Try "
                                         "again later, or use another method."))
ADDRESS_LIMIT = Refusal("address_limit", _("Too many codes were asked for from your network. "
                                           "Try again in an hour."))
COUNTRY = Refusal("country", _("We can't text or call numbers in that country. Use a number "
                               "from a country your organisation allows, or another method."))
NUMBER_TYPE = Refusal("number_type", _("We can't text or call this kind of number. Use your own "
                                       "mobile phone number (a call can also go to a "
                                       "landline)."))
BUDGET = Refusal("phone_budget", _("Texts and calls are switched off for the moment. Use "
                                   "another method, or try again later."))


def messages(codes: QuerySet) -> int:
    """Messages `codes` have cost or will cost: each row's tries, at least one."""
    return codes.aggregate(n=Coalesce(Sum(Greatest(F("send_tries"), Value(1))), 0))["n"]


def refusal_for(*, user: User, channel: str, destination: str, client_ip: str | None,
                same_scope: QuerySet) -> Refusal | None:
    """Return the first limit that sending this code would break, or None."""
    now = timezone.now()
    cooldown = timedelta(seconds=settings.SSPR_CODE_RESEND_SECONDS)
    if same_scope.filter(created_at__gt=now - cooldown).exists():
        return COOLDOWN
    if channel in PHONE_CHANNELS:
        refusal = _phone_refusal(destination, channel, now)
    else:
        refusal = _email_refusal(user, now)
    if refusal is None and client_ip:
        sent = VerificationCode.objects.filter(client_ip=client_ip, created_at__gt=now - HOUR)
        if messages(sent) >= settings.SSPR_CODES_PER_IP_PER_HOUR:
            refusal = ADDRESS_LIMIT
    return refusal


def _email_refusal(user: User, now) -> Refusal | None:
    recent = VerificationCode.objects.filter(user=user, channel=VerificationCode.Channel.EMAIL,
                                             created_at__gt=now - timedelta(minutes=10))
    if messages(recent) >= settings.SSPR_EMAIL_CODES_PER_10_MINUTES:
        return EMAIL_LIMIT
    return None


def _phone_refusal(destination: str, channel: str, now) -> Refusal | None:
    if not phone_country_allowed(destination):
        return COUNTRY
    if not phone_type_allowed(destination, channel):
        return NUMBER_TYPE
    if not phone_methods_available():
        return BUDGET
    to_number = VerificationCode.objects.filter(channel__in=PHONE_CHANNELS,
                                                destination=destination)
    last_hour = messages(to_number.filter(created_at__gt=now - HOUR))
    if last_hour >= settings.SSPR_PHONE_MESSAGES_PER_HOUR:
        return NUMBER_LIMIT
    last_day = messages(to_number.filter(created_at__gt=now - timedelta(days=1)))
    if last_day >= settings.SSPR_PHONE_MESSAGES_PER_DAY:
        return NUMBER_LIMIT
    return None


def phone_country_allowed(number: str) -> bool:
    """Whether texts and calls may go to `number` (E.164): its country is on the allow-list.

    Premium and far-away numbers are where SMS pumping fraud makes its money.
    """
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(parsed) in settings.SSPR_PHONE_COUNTRIES


# Numbers a person can own, per channel. Premium-rate, shared-cost, toll-free, UAN, pager,
# VoIP, personal and unknown numbers are where SMS pumping and call fraud make their money,
# and none of them is a phone in someone's pocket.
NumberType = phonenumbers.PhoneNumberType
OWNABLE_TYPES = {
    VerificationCode.Channel.SMS: {NumberType.MOBILE, NumberType.FIXED_LINE_OR_MOBILE},
    VerificationCode.Channel.VOICE: {NumberType.MOBILE, NumberType.FIXED_LINE,
                                     NumberType.FIXED_LINE_OR_MOBILE},
}


def phone_type_allowed(number: str, channel: str) -> bool:
    """Whether `number` (E.164) is of a kind a person owns that `channel` can reach."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in OWNABLE_TYPES.get(channel, set())


def phone_messages_last_hour() -> int:
    since = timezone.now() - HOUR
    return messages(VerificationCode.objects.filter(channel__in=PHONE_CHANNELS,
                                                    created_at__gt=since))


def phone_methods_available() -> bool:
    """Whether the global hourly budget for texts and calls still has room."""
    return phone_messages_last_hour() < settings.SSPR_PHONE_HOURLY_BUDGET
