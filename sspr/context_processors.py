from django.conf import settings


def portal(request):
    """Give every template the organisation's name and whether the outbox page exists."""
    return {
        "organisation_name": settings.SSPR_ORGANISATION_NAME,
        "dev_outbox": settings.SSPR_DEV_OUTBOX,
    }
