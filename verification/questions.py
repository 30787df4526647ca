"""The predefined security questions, and the one form answers are compared in."""

import unicodedata

from django.utils.translation import gettext_noop

ANSWER_MIN_LENGTH = 3
ANSWER_MAX_LENGTH = 40

# The English text is the message id; migration 0003 copies this list into the catalogue.
PREDEFINED_QUESTIONS = [
    gettext_noop("What was the name of your first pet?"),
    gettext_noop("In which city were you born?"),
    gettext_noop("What was the name of your first school?"),
    gettext_noop("What was the make and model of your first car?"),
    gettext_noop("What is your oldest cousin's first name?"),
    gettext_noop("What was the name of the street you grew up on?"),
    gettext_noop("What was your childhood nickname?"),
    gettext_noop("In which city did your parents meet?"),
    gettext_noop("What was the first concert you went to?"),
    gettext_noop("What was the name of your favourite teacher?"),
    gettext_noop("What was the first musical instrument you learned to play?"),
    gettext_noop("What is the middle name of your oldest sibling?"),
    gettext_noop("Where did you go on your first holiday abroad?"),
    gettext_noop("What was the name of your first stuffed animal?"),
    gettext_noop("What was the first film you saw at a cinema?"),
    gettext_noop("In which town did your grandparents live?"),
    gettext_noop("What was the name of your best friend at primary school?"),
    gettext_noop("What was the first book you remember reading?"),
    gettext_noop("Which sport did you play as a child?"),
    gettext_noop("What was the name of the hospital where you were born?"),
    gettext_noop("What was your favourite food as a child?"),
    gettext_noop("What is the name of the first company you worked for?"),
]


def normalise_answer(answer: str) -> str:
    """Return the form an answer is hashed and checked in: NFKC, case-folded, single spaces.

    "Malmö", "MALMÖ " and "malmö" must all be the same answer, or people fail a reset on the
    way they typed it rather than on what they know.
    """
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())
