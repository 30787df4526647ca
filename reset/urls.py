from django.urls import path

from . import views

app_name = "reset"

urlpatterns = [
    path("", views.IdentifyView.as_view(), name="identify"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("verify/give-up/", views.GiveUpView.as_view(), name="give-up"),
    path("verify/<slug:method>/", views.gate_view, name="gate"),
    path("new-password/", views.NewPasswordView.as_view(), name="new-password"),
    path("unlock/", views.UnlockView.as_view(), name="unlock"),
    path("done/", views.DoneView.as_view(), name="done"),
    path("outcome/", views.OutcomeView.as_view(), name="outcome"),
    path("outcome/contact/", views.ContactHelpdeskView.as_view(), name="contact"),
]
