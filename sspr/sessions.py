"""Sessions kept in the database as Django's own backend keeps them, read by a statement
compiled once (sspr.statements): nearly every request of a signed-in person or of a reset in
progress reads its session, and building the read cost twice what running it does."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

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
