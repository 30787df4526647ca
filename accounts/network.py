import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the address of the real client behind SSPR_TRUSTED_PROXY_COUNT proxies.

    Only the entries our own proxies appended to X-Forwarded-For are trusted: anything to their
    left was written by the client and would let it pick the address that rate limits key on.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.SSPR_TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - a placeholder key, never bound to
