from django.urls import path

from .views import OutboxListView

app_name = "outbox"

urlpatterns = [
    path("outbox/", OutboxListView.as_view(), name="list"),
]
