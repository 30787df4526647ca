from django.views.generic import ListView

from .models import OutboxEntry


class OutboxListView(ListView):
    """Show what the portal would have sent: local mode only, never routed in production."""

    model = OutboxEntry
    template_name = "verification/outbox.html"
    context_object_name = "entries"
    paginate_by = 50
