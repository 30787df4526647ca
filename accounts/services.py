"""What happens to accounts: every state change and rule, with its audit event."""

from django.conf import settings

from .models import User


def remember_language(*, user: User, language: str) -> None:
    """Keep the language the user last signed in with, for the emails we send them."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
