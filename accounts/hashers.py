import base64
import os

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with its cost taken from settings.

    The algorithm name stays "argon2", so hashes made with other parameters still verify and
    are upgraded to the configured cost at the next successful sign-in.
    """

    @property
    def time_cost(self) -> int:
        return settings.SSPR_ARGON2_TIME_COST

    @property
    def memory_cost(self) -> int:
        return settings.SSPR_ARGON2_MEMORY_COST

    @property
    def parallelism(self) -> int:
        return settings.SSPR_ARGON2_PARALLELISM

    def decoy(self) -> str:
        """A hash in this hasher's form and at its cost that no password has.

        Its salt and digest are random bytes, not computed from anything: checking a
        password against it costs what checking against a stored hash costs, and never
        succeeds (one chance in 2**256). Where someone has no hash to check, checking this
        one makes the work the same and only the data different (SPEC 8.1).
        """
        salt, digest = (base64.b64encode(os.urandom(size)).decode().rstrip("=")
                        for size in (16, 32))
        return (f"{self.algorithm}$argon2id$v=19$m={self.memory_cost},t={self.time_cost},"
                f"p={self.parallelism}${salt}${digest}")
