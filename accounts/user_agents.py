"""Say which browser a sign-in came from the way people do: "Firefox on Windows"."""

from functools import lru_cache

from django.utils.translation import gettext as _
from ua_parser import parse

UNKNOWN = "Other"


def browser_summary(user_agent: str) -> str:
    """The browser and system families of a User-Agent header, or "Unknown browser"."""
    browser, system = _families(user_agent or "")
    if not browser:
        return _("Unknown browser")
    if not system:
        return browser
    return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}


@lru_cache(maxsize=256)
def _families(user_agent: str) -> tuple[str, str]:
    # The header is the client's to write: only the first 512 characters are looked at, so a
    # huge one cannot make the regular expressions work hard.
    result = parse(user_agent[:512])
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    return ("" if browser == UNKNOWN else browser, "" if system == UNKNOWN else system)
