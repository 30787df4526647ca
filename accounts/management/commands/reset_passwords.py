"""Reset the passwords of the users listed in a CSV file, as the admin pages do."""

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.admin.jobs import passwords_csv, reason_label
from accounts.models import AdminResetJob, AdminResetJobItem, User
from accounts.resets import OwnAccountError, ResetOptions, admin_reset_passwords, reveal_passwords
from accounts.sealing import new_key_pair

Delivery = AdminResetJob.Delivery


class Command(BaseCommand):
    help = ("Reset the passwords of the users in a CSV file (a 'username' or 'email' column), "
            "with the options of the admin pages, through the same background job.")

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--as", dest="actor", required=True,
                            help="user ID of the administrator doing the reset (audited)")
        parser.add_argument("--delivery", choices=Delivery.values, default=Delivery.LINK)
        parser.add_argument("--email-to", default="", help="for --delivery=email")
        parser.add_argument("--no-require-change", action="store_true")
        parser.add_argument("--output", type=Path,
                            help="for --delivery=show: where the one-time CSV of passwords goes")

    def handle(self, *args, csv_file, actor, delivery, email_to, no_require_change, output,
               **options):
        admin = User.objects.filter(username=actor, is_active=True).first()
        if admin is None or not admin.is_staff or not admin.has_perm("accounts.reset_password"):
            raise CommandError(f"{actor} may not reset passwords")
        if delivery == Delivery.EMAIL and not email_to:
            raise CommandError("--delivery=email needs --email-to")
        if delivery == Delivery.SHOW and output is None:
            raise CommandError("--delivery=show needs --output")
        users = self._users(csv_file)
        private_key, public_key = new_key_pair() if delivery == Delivery.SHOW else ("", "")
        options = ResetOptions(delivery=delivery, require_change=not no_require_change,
                               email_to=email_to, public_key=public_key)
        try:
            job = admin_reset_passwords(actor=admin, users=users, options=options)
        except OwnAccountError:
            raise CommandError("the file lists your own account; remove it") from None
        self.stdout.write(f"job {job.pk}: {job.total} users queued")
        job = self._wait(job)
        self._report_skipped(job)
        if delivery == Delivery.SHOW:
            self._write_passwords(job, admin, private_key, output)

    def _users(self, csv_file: Path):
        with csv_file.open(newline="", encoding="utf-8-sig") as f:
            rows = [((r.get("username") or "").strip().lower(),
                     (r.get("email") or "").strip().lower()) for r in csv.DictReader(f)]
        names, emails = {n for n, _ in rows} - {""}, {e for _, e in rows} - {""}
        if not names and not emails:
            raise CommandError("the file has no 'username' or 'email' values")
        users = User.objects.alias(u=Lower("username"), e=Lower("email")).filter(
            Q(u__in=names) | Q(e__in=emails))
        self._report_unknown(rows, users)
        return users

    def _report_unknown(self, rows: list[tuple[str, str]], users) -> None:
        """Say which rows match nobody: a typo must not silently leave a password as it was."""
        found = {v.lower() for pair in users.values_list("username", "email") for v in pair} - {""}
        for number, (name, email) in enumerate(rows, start=2):  # row 1 is the header
            if not name and not email:
                self.stderr.write(f"row {number}: no username or email")
            elif name not in found and email not in found:
                self.stderr.write(f"row {number}: no user {name or email}")

    def _wait(self, job):
        """Follow the worker until the job is done; the command's user sees the progress."""
        while True:
            job.refresh_from_db()
            self.stdout.write(f"{job.processed} of {job.total} users")
            if job.is_done:
                return job
            time.sleep(2)

    def _report_skipped(self, job) -> None:
        """Who was left out and why: the same rule as the admin pages (accounts.authority)."""
        skipped = (job.items.filter(state=AdminResetJobItem.State.SKIPPED)
                   .values_list("reason", "user__username").order_by("reason", "user__username"))
        for reason, username in skipped:
            self.stdout.write(f"skipped {username}: {reason_label(reason)}")

    def _write_passwords(self, job, admin, private_key, output: Path) -> None:
        rows = reveal_passwords(job=job, actor=admin, private_key=private_key)
        output.write_text(passwords_csv(rows), encoding="utf-8")
        output.chmod(0o600)
        self.stdout.write(f"{len(rows)} passwords written to {output}, once")

