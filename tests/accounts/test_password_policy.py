import time
import unicodedata

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent, PasswordPolicy
from accounts.password_policy import FuzzyWordSet, canonical
from accounts.services import set_new_password
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Orchid-Tundra-Piano-48"


def codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("length", "expected"),
    [(11, {"password_too_short"}), (12, set()), (128, set()), (129, {"password_too_long"})],
)
def test_length_bounds(length, expected):
    password = ("Qx7-Lm2!Rv9#Tk4%Wz6^" * 7)[:length]
    assert codes(password) == expected


def test_a_megabyte_password_is_refused_fast_with_only_the_length_error():
    started = time.perf_counter()
    assert codes("x" * 1_000_000) == {"password_too_long"}
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("password", [
    "password1234", "P@ssw0rd1234", "qwertyqwerty", "QWERTYQWERTY", "Password12345",
    "1qaz2wsx3edc", "1qaz2wsx3edX",  # one edit from a common one
])
def test_common_passwords_are_refused_with_look_alikes_and_one_typo(password):
    assert "password_too_common" in codes(password)


@pytest.mark.parametrize("password", [
    "Contoso-Winter-Lake-93", "C0nt0s0-Winter-Lake-93", "c@ntoso-winter-lake-93",
    "Contosso-Winter-Lake-93", "Kontoso-Winter-Lake-93", "Contso-Winter-Lake-93",
])
def test_banned_terms_are_found_anywhere_with_look_alikes_and_one_edit(password):
    policy = PasswordPolicy.current()
    policy.banned_terms = "contoso\nfabrikam"
    policy.save()
    assert "password_banned_term" in codes(password)


@pytest.mark.parametrize("password", [
    "Acme-Winter-Lake-93", "@cme2024 winter lake", "WinterAcmeLake93", "acmeacme2024",
])
def test_a_short_banned_term_refuses_it_as_a_word_or_nearly_the_whole_password(password):
    policy = PasswordPolicy.current()
    policy.banned_terms = "acme"
    policy.save()
    assert "password_banned_term" in codes(password)


@pytest.mark.parametrize("password", [
    "grace-orchid-tundra-lamp", "Gracefully-Tundra-48", "placement-orchid-tundra",
    "acne-orchid-tundra-lamp",
])
def test_a_short_banned_term_inside_other_words_refuses_nothing(password):
    policy = PasswordPolicy.current()
    policy.banned_terms = "acme"
    policy.save()
    assert "password_banned_term" not in codes(password)


def test_without_banned_terms_the_same_password_passes():
    assert codes("Contoso-Winter-Lake-93") == set()


def test_passwords_like_the_users_own_data_are_refused():
    user = UserFactory(username="margareta.lindqvist", email="margareta.lindqvist@example.org")
    assert "password_too_similar" in codes("margareta.lindqvist1", user)


@pytest.mark.parametrize("password", [
    "AliceAndersson2024", "alice-alice-2024", "Andersson.Alice.99", "nossrednAecilA2024",
    "Al1ce-Anders5on-7",
])
def test_passwords_made_of_the_display_name_in_parts_or_reversed_are_refused(password):
    user = UserFactory(username="aand", email="aa@example.org", first_name="", last_name="",
                       display_name="Alice Andersson")
    assert "password_too_similar" in codes(password, user)


def test_a_passphrase_that_only_contains_the_name_is_accepted():
    user = UserFactory(username="aand", email="aa@example.org", first_name="", last_name="",
                       display_name="Alice Andersson")
    assert "password_too_similar" not in codes("Alice-paints-orchids-at-dawn", user)


@pytest.mark.parametrize(("password", "expected"), [
    # Twelve code points that are six characters once composed (NFKC): too short.
    ("e\u0301" * 6, {"password_too_short"}),
    # 43 ligatures are 129 letters after NFKC: too long.
    ("\ufb03" * 43, {"password_too_long"}),
])
def test_length_is_counted_after_nfkc(password, expected):
    assert codes(password) & {"password_too_short", "password_too_long"} == expected


def test_three_of_four_classes_only_when_the_policy_asks():
    password = "orchid tundra piano lamp"
    assert "password_classes" not in codes(password)
    policy = PasswordPolicy.current()
    policy.require_three_classes = True
    policy.save()
    assert "password_classes" in codes(password)
    assert "password_classes" not in codes("Orchid tundra piano 48")


def test_guessable_passwords_are_refused_by_strength():
    assert "password_weak" in codes("aaaaaaaaaaaaaaa")
    assert "password_weak" not in codes(STRONG)


def test_the_last_five_passwords_cannot_come_back_but_the_sixth_can():
    user = UserFactory()
    used = [f"Orchid-Tundra-Piano-{n}x" for n in range(6)]
    for password in used:
        set_new_password(user=user, password=password, event_type=AuditEvent.Type.PASSWORD_CHANGED)
    assert all("password_reused" in codes(p, user) for p in used[1:])
    assert "password_reused" not in codes(used[0], user)


def test_nfc_and_nfd_forms_of_a_password_are_the_same_password():
    user = UserFactory()
    nfc = unicodedata.normalize("NFC", "Åsa-Öberg-Älvdal-2024")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    set_new_password(user=user, password=nfc, event_type=AuditEvent.Type.PASSWORD_CHANGED)
    assert user.check_password(nfd)
    assert "password_reused" in codes(nfd, user)


def test_fuzzy_word_set_finds_insertions_deletions_and_substitutions():
    words = FuzzyWordSet(["summer"])
    assert words.match("summer") == "summer"
    assert words.match("summers") == "summer"
    assert words.match("sumer") == "summer"
    assert words.match("simmer") == "summer"
    assert words.match("simmers") is None


def test_short_words_match_only_exactly():
    words = FuzzyWordSet(["acme"])
    assert words.match("acme") == "acme"
    assert words.match("acne") is None
    assert words.match("acm") is None


def test_canonical_form_folds_case_and_look_alikes():
    assert canonical("P@$$w0rd!") == "passwordi"


def test_a_word_list_is_expanded_only_for_the_lengths_a_check_needs(monkeypatch):
    """A worker's first password check builds no near-miss forms of the whole common list."""
    from accounts import password_policy

    expanded = []
    original = password_policy._deletions

    def counted(word):
        expanded.append(word)
        return original(word)

    monkeypatch.setattr(password_policy, "_deletions", counted)
    words = FuzzyWordSet(["summer", "september", "wintertime"])
    assert expanded == []

    assert words.match("simmers") is None
    assert words.match("summers") == "summer"
    assert set(expanded) == {"simmers", "summers"}  # no listed word of 9 or 10 letters
