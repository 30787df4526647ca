import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: people read these from a noisy picture or hear them spoken.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: five unambiguous characters; the answer is the same text."""
    text = "".join(secrets.choice(ALPHABET) for _ in range(5))
    return text, text
