"""Real directory servers made from nothing, for the integration tests and the benchmark.

OpenLDAP with ppolicy and Samba as an AD domain controller, each under one scratch folder,
verifying TLS against a throwaway CA, and stopped after. Here rather than in
accounts/directory because the benchmark's own process runs no Django; nothing in the portal
imports it. It needs the servers' Debian packages (`available` says what is missing).
"""

from .common import DirectoryServer, admin_connection, available, make_pki
from .openldap import Slapd
from .samba import SambaDC

__all__ = ["DirectoryServer", "SambaDC", "Slapd", "admin_connection", "available", "make_pki"]
