from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from reset import captcha

from .health import healthz

admin.site.site_header = _("Account help: administration")
admin.site.site_title = _("Account help")
admin.site.index_title = _("Users, policies and the audit log")
# The app list is one click away on the index; beside a list it took the room of its columns.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("accounts.urls")),
    path("", include("verification.urls")),
    path("reset/", include("reset.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The library's names, our views: challenges live in the cache and are bound to the
    # browser, and the library's audio speaks English only.
    path("captcha/image/<slug:key>/", captcha.image, name="captcha-image"),
    path("captcha/image/<slug:key>@2/", captcha.image, {"scale": 2}, name="captcha-image-2x"),
    path("captcha/refresh/", captcha.refresh, name="captcha-refresh"),
    path("captcha/audio/<slug:key>.wav", captcha.audio, name="captcha-audio"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

if settings.SSPR_DEV_OUTBOX:
    urlpatterns.append(path("dev/", include("verification.outbox_urls")))

handler500 = "sspr.middleware.server_error"
