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
