"""The password policy of SPEC 6.2, as Django password validators.

Every place a password is set (change, reset, administrator, createsuperuser) runs the same
AUTH_PASSWORD_VALIDATORS. The length rule comes first and the others stay silent on a
password outside the length bounds, so a megabyte of input is refused before anything
expensive (matching, strength estimation, hashing) looks at it.

The history rule costs one Argon2 operation, not one per remembered password. Each user has
one random salt, kept in their password hash and reused for each of their new passwords
(User.hash_password). The new password is hashed once, with that salt and the configured
Argon2id cost; equal passwords then give equal hashes, so the one hash is compared in
constant time with the current and remembered hashes and is, unchanged, the hash that is
stored. Why this keeps Argon2's protection:
- every stored hash is a full-cost Argon2id hash, and salts are still random and different
  for every user, so nothing can be precomputed and no two users' hashes can be attacked
  together;
- what is shared is a salt across one user's own successive passwords: one guess tested
  against that user's stored hashes tests it against all of them, a gain of at most the
  history length (five) for the old passwords of that one user, and those are the passwords
  the user may no longer use;
- the comparison is of Argon2 outputs, never of anything faster (a keyed HMAC of the
  password would let whoever has the key and the table test guesses at HMAC speed).
A remembered hash with another salt or cost (made before a cost change) is checked with its
own Argon2 operation, as before.
"""
import gzip
import re
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordPolicy, normalise_password

# Characters people swap in for letters to satisfy old composition rules (SPEC 6.2).
LOOK_ALIKES = str.maketrans({
    "0": "o", "1": "l", "!": "i", "|": "l", "3": "e", "4": "a", "@": "a", "5": "s",
    "$": "s", "7": "t", "+": "t", "8": "b", "9": "g", "2": "z", "6": "g", "€": "e",
})
# What str.isalnum() refuses: \w is exactly isalnum() plus "_".
NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def canonical(text: str) -> str:
    """The form blocklists match on: case-folded, look-alikes replaced, letters only."""
    folded = normalise_password(text).casefold().translate(LOOK_ALIKES)
    return NOT_ALPHANUMERIC.sub("", folded)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class FuzzyWordSet:
    """Answer "is this within one edit of a listed word?" with set lookups only.

    Two words are within one edit exactly when they are equal, one is the other with one
    character deleted, or both give the same word with one character deleted (substitution).
    The one-deletion forms of the listed words are made per word length when a check first
    needs that length (a candidate only meets words one longer or as long as itself), so
    loading the common-password list in a worker's first password check costs a set, not
    65,000 forms, and a worker keeps only the lengths its passwords reach.
    """

    # Below this length one edit turns too many ordinary words into a listed one
    # ("acme" would refuse "acne", "acre" and "ache").
    FUZZY_FROM = 5

    def __init__(self, words) -> None:
        self.words = {w for w in words if w}
        self._deleted: dict[int, dict[str, str]] = {}

    def _deleted_from(self, length: int) -> dict[str, str]:
        """The one-deletion forms of the listed words of `length`, each to its word."""
        if length not in self._deleted:
            self._deleted[length] = {} if length < self.FUZZY_FROM else {
                d: w for w in self.words if len(w) == length for d in _deletions(w)}
        return self._deleted[length]

    def match(self, candidate: str) -> str | None:
        if candidate in self.words:
            return candidate
        if len(candidate) < self.FUZZY_FROM - 1:
            return None
        longer, same = self._deleted_from(len(candidate) + 1), self._deleted_from(len(candidate))
        if candidate in longer:
            return longer[candidate]
        for variant in _deletions(candidate):
            if variant in self.words:
                return variant
            if variant in same:
                return same[variant]
        return None


@cache
def common_passwords() -> FuzzyWordSet:
    path = Path(settings.SSPR_COMMON_PASSWORDS_FILE)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return FuzzyWordSet(canonical(line) for line in f if len(line.strip()) >= 8)


@cache
def _banned_set(terms: tuple[str, ...]) -> FuzzyWordSet:
    return FuzzyWordSet(canonical(t) for t in terms)


def tokens(password: str) -> set[str]:
    """The words a password is made of, in canonical form.

    Words end at spaces and punctuation and where a lower-case letter meets an upper-case
    one ("WinterAcme"); digits and symbols around a word are also tried without it
    ("Acme2024!"), while look-alikes inside it still count ("@cme").
    """
    found = set()
    for piece in re.split(r"[^\w@$!|+€]+", normalise_password(password)):
        for word in re.split(r"(?<=[^\W\d_A-Z])(?=[A-Z])", piece):
            tail = re.sub(r"[\d\W_]+$", "", word)
            found |= {canonical(w) for w in (word, tail, re.sub(r"^[\d\W_]+", "", tail))}
    return found - {""}


def mostly_made_of(text: str, words: set[str]) -> bool:
    """Whether canonical `text` is little more than `words`, forwards or reversed.

    "Little more" is two thirds or more of it: "AliceAndersson2024" and "alice-alice-2024"
    are Alice Andersson's name with a year, while a passphrase that merely contains a name
    has most of its length elsewhere.
    """
    if not text:
        return False
    rest = text
    for word in sorted(words | {w[::-1] for w in words}, key=len, reverse=True):
        rest = rest.replace(word, "")
    return len(rest) * 3 <= len(text)


def _length(password: str) -> int:
    # Counted on the form that is hashed: "e" plus a combining accent is one character.
    return len(normalise_password(password))


def _in_bounds(password: str) -> bool:
    return (settings.SSPR_PASSWORD_MIN_LENGTH <= _length(password)
            <= settings.SSPR_PASSWORD_MAX_LENGTH)


class LengthValidator:
    """Between SSPR_PASSWORD_MIN_LENGTH and SSPR_PASSWORD_MAX_LENGTH characters."""

    code = "length"

    def validate(self, password: str, user=None) -> None:
        lo, hi = settings.SSPR_PASSWORD_MIN_LENGTH, settings.SSPR_PASSWORD_MAX_LENGTH
        if _length(password) < lo:
            raise ValidationError(
                ngettext("Use at least %(n)d character.", "Use at least %(n)d characters.", lo)
                % {"n": lo}, code="password_too_short")
        if _length(password) > hi:
            raise ValidationError(
                _("Use at most %(n)d characters.") % {"n": hi}, code="password_too_long")

    def get_help_text(self) -> str:
        return _("%(lo)d to %(hi)d characters; a few random words make a strong one.") % {
            "lo": settings.SSPR_PASSWORD_MIN_LENGTH, "hi": settings.SSPR_PASSWORD_MAX_LENGTH}


class BlocklistValidator:
    """Not a common password, and no banned term, even with look-alikes or one typo.

    A banned term refuses a password when it is one of the password's words, or when the
    password is little more than banned terms; "acme" does not refuse "grace-orchid-lamp".
    """

    code = "blocklist"

    def validate(self, password: str, user=None) -> None:
        if not _in_bounds(password):
            return
        text = canonical(password)
        if common_passwords().match(text):
            raise ValidationError(_("This password is too common."), code="password_too_common")
        terms = PasswordPolicy.current().banned_term_list
        banned = _banned_set(tuple(terms))
        if terms and (any(banned.match(word) for word in tokens(password))
                      or mostly_made_of(text, banned.words)):
            raise ValidationError(
                _("This password contains a word your organisation does not allow."),
                code="password_banned_term")

    def get_help_text(self) -> str:
        return _("Not a common password or a word your organisation bans.")


class PersonalDataValidator:
    """Not like the user's username, names or email, whole, in parts or reversed.

    Django's UserAttributeSimilarityValidator compares with each attribute whole, so a
    display name of two words never matches a password made of them; here every part of
    every attribute counts, and so does a password made mostly of them.
    """

    code = "personal"
    ATTRIBUTES = ("username", "first_name", "last_name", "display_name", "email")
    MAX_SIMILARITY = 0.7  # Django's default

    def validate(self, password: str, user=None) -> None:
        if user is None or not _in_bounds(password):
            return
        text = canonical(password)
        words = personal_words(user)
        if mostly_made_of(text, words) or any(
            SequenceMatcher(a=text, b=w).ratio() >= self.MAX_SIMILARITY
            for w in words | {w[::-1] for w in words}
        ):
            raise ValidationError(_("This password is too like your name, user ID or email "
                                    "address."), code="password_too_similar")

    def get_help_text(self) -> str:
        return _("Not like your name, user ID or email address.")


def personal_words(user) -> set[str]:
    """The user's names, user ID and email, whole and split into parts, in canonical form."""
    words = set()
    for attribute in PersonalDataValidator.ATTRIBUTES:
        value = getattr(user, attribute, "") or ""
        for part in [value, *re.split(r"[\W_]+", value)]:
            if len(word := canonical(part)) >= 3:
                words.add(word)
    return words


class HistoryValidator:
    """Not one of the user's last N passwords (PasswordPolicy.history_count)."""

    code = "history"

    def validate(self, password: str, user=None) -> None:
        if not _in_bounds(password) or user is None or user.pk is None:
            return
        if was_used_recently(user=user, password=password):
            raise ValidationError(_("You have used this password recently. Choose a new one."),
                                  code="password_reused")

    def get_help_text(self) -> str:
        n = PasswordPolicy.current().history_count
        return ngettext("Not your current password.", "Not one of your last %(n)d passwords.",
                        n) % {"n": n}


class CharacterClassesValidator:
    """Three of: lower case, upper case, digits, symbols (only when the policy asks)."""

    code = "classes"

    def validate(self, password: str, user=None) -> None:
        if not _in_bounds(password) or not PasswordPolicy.current().require_three_classes:
            return
        classes = [str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()]
        found = sum(any(test(c) for c in password) for test in classes)
        if found < 3:
            raise ValidationError(_("Use three of: lower case, upper case, digits, symbols."),
                                  code="password_classes")

    def get_help_text(self) -> str:
        if PasswordPolicy.current().require_three_classes:
            return _("Three of: lower case, upper case, digits, symbols.")
        return ""


class StrengthValidator:
    """An estimated strength (zxcvbn score) of at least PasswordPolicy.min_strength."""

    code = "strength"

    def validate(self, password: str, user=None) -> None:
        if not _in_bounds(password):
            return
        if strength(password, user) < PasswordPolicy.current().min_strength:
            raise ValidationError(
                _("This password is too easy to guess. Add more words or characters."),
                code="password_weak")

    def get_help_text(self) -> str:
        return _("Hard to guess.")


def strength(password: str, user=None) -> int:
    """The zxcvbn score, 0 to 4, of `password`, counting the user's own data as guessable."""
    # zxcvbn's dictionaries take 12 MiB: loaded by the first password checked, not by every
    # process at start (a web worker that never sees a password never holds them).
    import zxcvbn

    inputs = [getattr(user, a, "") or "" for a in PersonalDataValidator.ATTRIBUTES]
    # zxcvbn's cost grows with length; beyond 72 characters a password is long enough.
    return zxcvbn.zxcvbn(password[:72], user_inputs=[i for i in inputs if i])["score"]


def was_used_recently(*, user, password: str) -> bool:
    """Whether `password` is the current one or among the last history_count - 1 before it.

    One Argon2 operation for all of them (see the module's docstring).
    """
    hashes = user.previous_passwords[:PasswordPolicy.current().remembered_count]
    remembered = [old for old in [user.password, *hashes] if is_password_usable(old)]
    if not remembered:
        # Nothing to compare with: a directory keeps its people's history itself, and the
        # portal holds no hash of their passwords. No Argon2 operation is owed.
        return False
    new = user.hash_password(password)
    return any([_same_password(new, old, password) for old in remembered])


def _same_password(new: str, old: str, password: str) -> bool:
    if new.rpartition("$")[0] == old.rpartition("$")[0]:  # same hasher, cost and salt
        return constant_time_compare(new, old)
    return check_password(normalise_password(password), old)


def live_rules(password: str, user=None) -> list[dict]:
    """Each rule's verdict for the checklist shown while typing.

    The password history is left out: it costs one Argon2 hash per remembered password and
    is checked when the form is sent, where the server's verdict is final anyway. A rule
    that cannot be checked here has `ok` None: the checklist neither ticks nor crosses it.
    """
    results = []
    for validator in get_default_password_validators():
        if isinstance(validator, HistoryValidator) or not validator.get_help_text():
            continue
        if isinstance(validator, PersonalDataValidator) and user is None:
            # Nobody is signed in (the reset wizard): no data to compare with, so no verdict,
            # rather than a tick the server may take back when the form is sent.
            results.append({"rule": validator.code, "ok": None, "message": ""})
            continue
        try:
            validator.validate(password, user)
        except ValidationError as error:
            results.append({"rule": validator.code, "ok": False, "message": error.messages[0]})
        else:
            results.append({"rule": validator.code, "ok": True, "message": ""})
    return results


def policy_rules() -> list[dict]:
    """The rules to list beside a new-password field, each with a stable id for the script."""
    return [{"rule": v.code, "text": v.get_help_text()}
            for v in get_default_password_validators() if v.get_help_text()]
