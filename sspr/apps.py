from django.apps import apps
from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin as our site (accounts.admin_site), without third-party sections.

    django-otp's device admin shows every authenticator's secret key and QR code and lets
    staff add a device with a key they chose; the lockout tables are raw counters. What
    staff need of them is offered under our own names, read-only (issue 9).
    """

    default_site = "accounts.admin_site.PortalAdminSite"
    HIDDEN_APPS = ("otp_totp", "otp_static", "otp_hotp", "otp_email", "axes")

    def ready(self) -> None:
        super().ready()
        from django.contrib import admin

        for model in apps.get_models():
            if model._meta.app_label in self.HIDDEN_APPS and admin.site.is_registered(model):
                admin.site.unregister(model)
