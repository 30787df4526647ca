"""Fill the catalogue with the predefined questions (translated through gettext at display)."""

from django.db import migrations

# A copy, not an import: a migration must keep doing what it did when it was written.
QUESTIONS = [
    'What was the name of your first pet?',
    'In which city were you born?',
    'What was the name of your first school?',
    'What was the make and model of your first car?',
    "What is your oldest cousin's first name?",
    'What was the name of the street you grew up on?',
    'What was your childhood nickname?',
    'In which city did your parents meet?',
    'What was the first concert you went to?',
    'What was the name of your favourite teacher?',
    'What was the first musical instrument you learned to play?',
    'What is the middle name of your oldest sibling?',
    'Where did you go on your first holiday abroad?',
    'What was the name of your first stuffed animal?',
    'What was the first film you saw at a cinema?',
    'In which town did your grandparents live?',
    'What was the name of your best friend at primary school?',
    'What was the first book you remember reading?',
    'Which sport did you play as a child?',
    'What was the name of the hospital where you were born?',
    'What was your favourite food as a child?',
    'What is the name of the first company you worked for?',
]


def add_questions(apps, schema_editor):
    SecurityQuestion = apps.get_model("verification", "SecurityQuestion")
    for text in QUESTIONS:
        SecurityQuestion.objects.get_or_create(text=text, defaults={"is_custom": False})


def remove_questions(apps, schema_editor):
    SecurityQuestion = apps.get_model("verification", "SecurityQuestion")
    SecurityQuestion.objects.filter(is_custom=False, answers=None).delete()


class Migration(migrations.Migration):
    dependencies = [("verification", "0002_methods_and_codes")]

    operations = [migrations.RunPython(add_questions, remove_questions)]
