"""Seal generated passwords so that only the administrator who asked can read them, once.

A large reset runs in a worker, which must hand the passwords it generates to the
administrator later. Storing them in clear, or encrypted with a key the server keeps,
would let anyone with the database (and the server's key) read them. Instead the web
request makes an RSA key pair: the public half goes on the job, the private half only into
a cookie in the administrator's browser. The worker encrypts each password to the public
key (RSA-OAEP, SHA-256); the server alone can never decrypt them, and they are deleted
the first time they are revealed.
"""

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(),
                    label=None)


class UnsealError(Exception):
    """The private key is missing, malformed or not the job's."""


def new_key_pair() -> tuple[str, str]:
    """Return (private key for the browser, public key for the job), both text."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(private).decode(), public.decode()


def seal(public_key: str, secret: str) -> str:
    key = serialization.load_pem_public_key(public_key.encode())
    return base64.b64encode(key.encrypt(secret.encode(), OAEP)).decode()


def opener(private_key: str):
    """Return a function that unseals with `private_key`; UnsealError if it is unusable."""
    try:
        key = serialization.load_der_private_key(base64.urlsafe_b64decode(private_key), None)
    except (ValueError, TypeError) as error:
        raise UnsealError from error

    def unseal(sealed: str) -> str:
        try:
            return key.decrypt(base64.b64decode(sealed), OAEP).decode()
        except ValueError as error:
            raise UnsealError from error

    return unseal
