"""Finding a user by ID or email uses the case-insensitive indexes, at any number of users."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.mark.parametrize("typed", ["User-04321", "user-04321@EXAMPLE.org"])
def test_the_identifier_look_up_is_an_index_scan(postgres, typed):
    User.objects.bulk_create(
        User(username=f"user-{n:05}", email=f"user-{n:05}@example.org", password="!")
        for n in range(20_000)
    )
    with postgres.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    plan = User.objects.matching(typed).explain()
    assert "Seq Scan" not in plan
    assert "user_username_ci_unique" in plan
    assert "user_email_ci_unique" in plan
    assert User.objects.get_by_identifier(typed).username == "user-04321"
