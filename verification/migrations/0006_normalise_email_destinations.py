"""Store every registered alternate address as the wizard compares it (NFC, IDNA decoded).

Before, registration kept an address trimmed and lower-cased only, so one registered with a
punycode domain or in decomposed Unicode could never match at the email gate.
"""

from django.db import migrations

from verification.destinations import normalise_email


def normalise(apps, schema_editor):
    ContactMethod = apps.get_model("verification", "ContactMethod")
    for method in ContactMethod.objects.filter(kind="email").only("pk", "destination"):
        address = normalise_email(method.destination)
        if address and address != method.destination:
            ContactMethod.objects.filter(pk=method.pk).update(destination=address)


class Migration(migrations.Migration):
    dependencies = [("verification", "0005_delivery_state_machine")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
