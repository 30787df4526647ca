"""The audit log (read-only, filtered, exported as CSV) and the insights dashboard."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..insights import dashboard
from ..models import AuditEvent
from .readonly import ReadOnlyAdmin

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection,
# OWASP): "=HYPERLINK(...)" in a user ID typed on the sign-in page must stay text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class Echo:
    def write(self, value):
        return value


class UserFilter(admin.SimpleListFilter):
    """A user ID typed into a box: matches the actor, the subject or the ID as typed."""

    title = gettext_lazy("user")
    parameter_name = "user"
    template = "admin/accounts/auditevent/user_filter.html"

    def lookups(self, request, model_admin):
        return [("", "")]

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(subject__username__iexact=value)
                               | Q(actor__username__iexact=value)
                               | Q(identifier__iexact=value))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only: nobody adds, edits or deletes an event by hand."""

    list_display = ["created_at", "type", "outcome", "actor", "subject", "identifier", "ip",
                    "support_code"]
    list_filter = ["type", "outcome", UserFilter, "created_at"]
    search_fields = ["support_code"]
    search_help_text = gettext_lazy("Search by support code, e.g. K7QX-3MPD.")
    date_hierarchy = "created_at"
    list_select_related = ["actor", "subject"]
    change_list_template = "admin/accounts/auditevent/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name="accounts_auditevent_export"),
            path("insights/", wrap(self.insights_view), name="accounts_auditevent_insights"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The events the list shows with the same filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = self.get_changelist_instance(request).get_queryset(request)
        writer = csv.writer(Echo())
        header = ["time", "event", "outcome", "actor", "subject", "user ID as typed", "IP",
                  "browser", "support code", "details"]

        def rows():
            yield writer.writerow(header)
            for e in events.iterator(chunk_size=2000):
                yield writer.writerow([csv_safe(v) for v in (
                    e.created_at.isoformat(), e.type, e.outcome, e.actor, e.subject,
                    e.identifier, e.ip, e.user_agent, e.support_code, e.details)])

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def insights_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": _("Insights"), **dashboard()}
        return TemplateResponse(request, "admin/accounts/auditevent/insights.html", context)
