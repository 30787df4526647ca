from django.urls import path

from . import views
from .services import AUTHENTICATOR, EMAIL, PHONE, QUESTIONS

app_name = "verification"

urlpatterns = [
    path("sign-in/authenticator/", views.SecondFactorView.as_view(), name="second-factor"),
    path("setup/", views.SetupView.as_view(), name="setup"),
    path("setup/phone/", views.ContactStartView.as_view(kind=PHONE), name="phone"),
    path("setup/phone/verify/", views.ContactVerifyView.as_view(kind=PHONE), name="verify-phone"),
    path("setup/email/", views.ContactStartView.as_view(kind=EMAIL), name="email"),
    path("setup/email/verify/", views.ContactVerifyView.as_view(kind=EMAIL), name="verify-email"),
    path("setup/authenticator/", views.AuthenticatorView.as_view(), name="authenticator"),
    path("setup/authenticator/qr.svg", views.AuthenticatorQrView.as_view(),
         name="authenticator-qr"),
    path("setup/questions/", views.SecurityQuestionsView.as_view(), name="questions"),
]
for method in (PHONE, EMAIL, AUTHENTICATOR, QUESTIONS):
    urlpatterns.append(path(f"setup/{method}/remove/",
                            views.MethodRemoveView.as_view(method=method),
                            name=f"remove-{method}"))
