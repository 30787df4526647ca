"""Sessions kept in the database as Django's own backend keeps them, read by a statement
compiled once (sspr.statements): nearly every request of a signed-in person or of a reset in
progress reads its session, and building the read cost twice what running it does. A new
session (a sign-in, a reset's start and each gate it passes) is one INSERT, without first
asking whether its random key is taken."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import get_random_string

from .statements import Param, Statement, columns, instance

_field = Session._meta.get_field
_LIVE = Statement(lambda: Session.objects.filter(
    session_key=Param("key", _field("session_key")),
    expire_date__gt=Param("now", _field("expire_date"))).values_list(*columns(Session)))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The session's row if it has not expired; as Django's backend, a key that finds
        none is dropped, so that saving makes a new one."""
        rows = _LIVE.rows(key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None
            return None
        return instance(Session, rows[0])

    def _get_new_session_key(self) -> str:
        """A new key, not looked up first: 32 random characters (165 bits) do not repeat,
        and if one ever did, the INSERT that creates the session would fail on the primary
        key and `create` would draw again."""
        return get_random_string(32, VALID_KEY_CHARS)
