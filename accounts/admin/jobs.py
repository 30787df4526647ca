"""Reset jobs: the progress page, its JSON, and the one-time reveal of generated passwords."""

import base64
import csv
import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..authority import Refusal
from ..models import AdminResetJob, AdminResetJobItem
from ..resets import AlreadyRevealedError, reveal_passwords
from ..sealing import UnsealError
from .audit import csv_safe
from .readonly import ReadOnlyAdmin

# The job's own reasons, kept in English in the row and shown in the page's language.
JOB_REASONS = {
    "password managed elsewhere": gettext_lazy("password managed elsewhere"),
    "no email address": gettext_lazy("no email address"),
    "email not sent": gettext_lazy("email not sent"),
    "account disabled": gettext_lazy("account disabled"),
    "directory did not take the password": gettext_lazy("directory did not take the password"),
    "another reset of this account is running": gettext_lazy(
        "another reset of this account is running"),
    "the typed password was erased when the job stopped": gettext_lazy(
        "the typed password was erased when the job stopped"),
}


def reason_label(reason: str) -> str:
    if reason in Refusal.values:
        return Refusal(reason).label
    return JOB_REASONS.get(reason, reason)


def reveal_cookie_name(job: AdminResetJob) -> str:
    return f"sspr-reveal-{job.pk}"


def reveal_cookie_path(job: AdminResetJob) -> str:
    """The job's own pages (change/, reveal/), so the key is sent nowhere else."""
    return reverse("admin:accounts_adminresetjob_change", args=[job.pk]).removesuffix("change/")


def passwords_csv(rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("User ID"), _("Email"), _("Temporary password")])
    writer.writerows([csv_safe(v) for v in row] for row in rows)
    return out.getvalue()


@admin.register(AdminResetJob)
class AdminResetJobAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "actor", "delivery", "status", "total", "processed"]
    list_filter = ["status", "delivery"]

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("accounts.reset_password")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.reset_password")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:job_id>/progress/", wrap(self.progress_view),
                 name="accounts_adminresetjob_progress"),
            path("<int:job_id>/reveal/", wrap(require_POST(self.reveal_view)),
                 name="accounts_adminresetjob_reveal"),
            *super().get_urls(),
        ]

    def _job(self, request, job_id) -> AdminResetJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(AdminResetJob, pk=job_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        return self._render(request, job)

    def _render(self, request, job, passwords=None):
        items = job.items.exclude(state=AdminResetJobItem.State.DONE).select_related("user")
        counts = {s: job.items.filter(state=s).count() for s in AdminResetJobItem.State.values}
        skipped = (job.items.filter(state=AdminResetJobItem.State.SKIPPED).values("reason")
                   .annotate(n=Count("pk")).order_by("-n", "reason"))
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "job": job,
            "title": str(job), "counts": counts,
            "skipped": [(reason_label(row["reason"]), row["n"]) for row in skipped],
            "problems": [(i.user.username, i.get_state_display(), reason_label(i.reason))
                         for i in items[:200]],
            "can_reveal": (job.is_done and job.delivery == AdminResetJob.Delivery.SHOW
                           and not job.has_typed_password and job.passwords_revealed_at is None
                           and reveal_cookie_name(job) in request.COOKIES
                           and job.actor_id == request.user.pk),
            "passwords": passwords,
        }
        if passwords:
            data = base64.b64encode(passwords_csv(passwords).encode()).decode()
            context["csv_href"] = f"data:text/csv;charset=utf-8;base64,{data}"
        return TemplateResponse(request, "admin/accounts/adminresetjob/job.html", context)

    def progress_view(self, request, job_id):
        job = self._job(request, job_id)
        return JsonResponse({"status": job.status, "processed": job.processed,
                             "total": job.total, "percent": job.percent})

    def reveal_view(self, request, job_id):
        job = self._job(request, job_id)
        try:
            rows = reveal_passwords(job=job, actor=request.user,
                                    private_key=request.COOKIES.get(reveal_cookie_name(job), ""))
        except (AlreadyRevealedError, UnsealError, AdminResetJob.DoesNotExist):
            self.message_user(request, _("These passwords can no longer be shown."),
                              messages.ERROR)
            return redirect("admin:accounts_adminresetjob_change", job.pk)
        if request.POST.get("format") == "csv":
            response = HttpResponse(passwords_csv(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="passwords-{job.pk}.csv"'
        else:
            response = self._render(request, job, passwords=rows)
        # Nothing about a page of passwords may be kept by the browser or a proxy.
        response["Cache-Control"] = "no-store"
        response.delete_cookie(reveal_cookie_name(job), path=reveal_cookie_path(job))
        return response
