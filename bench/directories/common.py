"""What both throwaway servers share: free ports, a throwaway CA, processes, an admin bind.

Both verify TLS against a CA made here, with 127.0.0.1 in the certificate's
subjectAltName (libldap checks "localhost" against the machine's host name instead).
"""

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_pki(folder: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 and localhost; key files mode 0600."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key, server_key = key(), key()
    ca = (x509.CertificateBuilder().subject_name(name("Test CA")).issuer_name(name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(name("dc1.example.test"))
              .issuer_name(ca.subject).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1))
              .not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.SubjectAlternativeName([
                  x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                  critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return paths


def admin_connection(url: str, who: str, password: str, ca: Path):
    conn = ldap.initialize(url)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_CACERTFILE, str(ca))
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    conn.simple_bind_s(who, password)
    return conn


class DirectoryServer:
    """What both test servers share: reading an entry as their administrator."""

    def read(self, dn: str, *names: str) -> dict:
        conn = self.admin()
        found = conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", list(names))
        conn.unbind_s()
        return {k: [v.decode() for v in vs] for k, vs in found[0][1].items()}


def available(kind: str) -> str:
    """Empty when this machine can run `kind`'s server here; otherwise why not."""
    needed = {"ldap": ["slapd", "slapadd"], "ad": ["samba", "samba-tool"]}[kind]
    missing = [b for b in needed if not (shutil.which(b) or shutil.which(b, path="/usr/sbin"))]
    if missing:
        return f"{', '.join(missing)} not installed"
    if kind == "ad" and os.geteuid() != 0:
        return "Samba's LDAP ports (389, 636) need root"
    return ""
