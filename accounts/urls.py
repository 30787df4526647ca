from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("account/", views.AccountOverviewView.as_view(), name="overview"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/password/check/", views.PasswordCheckView.as_view(), name="password-check"),
    path("account/set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(),
         name="set-password"),
    path("account/confirm-password/", views.ReauthenticateView.as_view(), name="reauthenticate"),
]
