"""The administrators' dashboard: counts from the audit log, drawn as server-side SVG.

No chart library and no CDN: the bars are computed here and the template writes plain SVG
elements, coloured by classes from our own stylesheet (the CSP forbids inline styles).
Every chart has a table beside it, so no number exists only as a colour.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, ResetPolicy, User
from .policies import registration_data

T = AuditEvent.Type
CHART_HEIGHT = 160


def _days(n: int) -> list[date]:
    today = timezone.localdate()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]


# An unlock is self-service only when the wizard did it; the same event type also records an
# administrator's unlock, which is counted apart under this key.
ADMIN_UNLOCK = "account_unlocked_by_admin"


def daily_counts(types: list[str], days: list[date]) -> dict[str, list[int]]:
    """{type: [count on each of `days`]} from the audit log; unlocks split by who unlocked."""
    start = timezone.make_aware(datetime.combine(days[0], time.min))
    rows = (AuditEvent.objects.filter(type__in=types, created_at__gte=start)
            .exclude(type=T.PASSWORD_RESET_BY_ADMIN, subject__isnull=True)
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("day", "type", via=KT("details__via")).annotate(n=Count("id")))
    index = {d: i for i, d in enumerate(days)}
    counts = {t: [0] * len(days) for t in [*types, ADMIN_UNLOCK]}
    for row in rows:
        key = row["type"]
        if key == T.ACCOUNT_UNLOCKED and row["via"] != "self-service":
            key = ADMIN_UNLOCK
        if row["day"] in index:
            counts[key][index[row["day"]]] += row["n"]
    return counts


def stacked_bars(series: list[tuple[str, str, list[int]]], days: list[date]) -> dict:
    """Lay out a stacked bar per day: rectangles with their class and a title for each."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    top = max([*totals, 1])
    step, bar = 20, 14
    rects = []
    for i, day in enumerate(days):
        y = CHART_HEIGHT
        for label, css, values in series:
            if not values[i]:
                continue
            h = max(round(values[i] * CHART_HEIGHT / top), 1)
            y -= h
            rects.append({"x": i * step + 3, "y": y, "w": bar, "h": h, "css": css,
                          "title": f"{day:%Y-%m-%d} · {label}: {values[i]}"})
    return {"rects": rects, "width": len(days) * step + 6, "height": CHART_HEIGHT,
            "top": top, "first": days[0], "last": days[-1],
            "legend": [(label, css, sum(values)) for label, css, values in series]}


def horizontal_bars(pairs: list[tuple[str, int]]) -> dict:
    top = max([n for _, n in pairs] + [1])
    return {"height": max(len(pairs), 1) * 26,
            "bars": [{"label": label, "n": n, "w": round(n * 300 / top), "y": i * 26}
                     for i, (label, n) in enumerate(pairs)]}


def gates_by_method(since) -> list[dict]:
    rows = (AuditEvent.objects.filter(type__in=[T.GATE_PASSED, T.GATE_FAILED],
                                      created_at__gte=since)
            .values("type", method=KT("details__method")).annotate(n=Count("id")))
    methods: dict[str, dict] = {}
    for row in rows:
        entry = methods.setdefault(row["method"] or "?", {"passed": 0, "failed": 0})
        entry["passed" if row["type"] == T.GATE_PASSED else "failed"] += row["n"]
    return [{"method": m, **v} for m, v in sorted(methods.items())]


def dashboard() -> dict:
    """Everything the insights page shows, for the last SSPR_INSIGHTS_DAYS days."""
    days = _days(settings.SSPR_INSIGHTS_DAYS)
    since = timezone.now() - timedelta(days=len(days))
    c = daily_counts([T.PASSWORD_RESET, T.ACCOUNT_UNLOCKED, T.PASSWORD_RESET_BY_ADMIN,
                      T.GATE_PASSED, T.GATE_FAILED, T.ATTEMPT_BLOCKED], days)
    resets = stacked_bars([
        (_("Self-service resets"), "series-reset", c[T.PASSWORD_RESET]),
        (_("Self-service unlocks"), "series-unlock", c[T.ACCOUNT_UNLOCKED]),
        (_("Resets by administrators"), "series-admin", c[T.PASSWORD_RESET_BY_ADMIN]),
        (_("Unlocks by administrators"), "series-admin-unlock", c[ADMIN_UNLOCK]),
    ], days)
    gates = stacked_bars([
        (_("Verifications passed"), "series-passed", c[T.GATE_PASSED]),
        (_("Verifications failed"), "series-failed", c[T.GATE_FAILED]),
        (_("Attempts blocked"), "series-blocked", c[T.ATTEMPT_BLOCKED]),
    ], days)
    blocked = (AuditEvent.objects.filter(type=T.ATTEMPT_BLOCKED, created_at__gte=since)
               .exclude(subject=None).values("subject").distinct().count())
    return {"days": len(days), "resets": resets, "gates": gates,
            "methods": gates_by_method(since), "blocked_users": blocked, **registration()}


def registration() -> dict:
    """What the registration hook knows; None where verification has not told us."""
    data = registration_data()
    by_method = data.registrations_by_method()
    registered = data.registered_users(ResetPolicy.current())
    active = User.objects.filter(is_active=True, password_managed_elsewhere=False)
    not_registered = None if registered is None else active.exclude(
        pk__in=registered.values("pk")).count()
    return {"registrations": None if by_method is None else horizontal_bars(
                sorted(by_method.items(), key=lambda kv: -kv[1])),
            "not_registered": not_registered, "active_users": active.count()}
