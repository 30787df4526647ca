"""Every filter link on every admin list answers, in English and Swedish."""

import html
import re
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import PasswordPolicy, ResetPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def changelists():
    return [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m, model_admin in admin.site._registry.items() if model_admin.list_filter]


@pytest.mark.parametrize("url", changelists())
def test_every_filter_link_of_every_list_answers_200(admin_client, url):
    page = admin_client.get(url)
    assert page.status_code == HTTPStatus.OK
    links = {html.unescape(href) for href in re.findall(r'href="(\?[^"]+)"', page.content.decode())}
    assert links, url

    for link in sorted(links):
        assert admin_client.get(url + link).status_code == HTTPStatus.OK, link


def test_the_never_expires_filter_finds_those_users(admin_client):
    UserFactory(username="forever", password_never_expires=True)
    UserFactory(username="mortal")
    url = reverse("admin:accounts_user_changelist")
    page = admin_client.get(url).content.decode()
    (link,) = {html.unescape(h) for h in re.findall(r'href="(\?[^"]*never[^"]*=1[^"]*)"', page)}

    response = admin_client.get(url + link)

    assert response.status_code == HTTPStatus.OK
    assert [u.username for u in response.context["cl"].result_list] == ["forever"]


def test_policy_section_titles_follow_the_language(admin_client):
    admin_client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    password = admin_client.get(reverse("admin:accounts_passwordpolicy_change",
                                        args=[PasswordPolicy.current().pk])).content.decode()
    reset = admin_client.get(reverse("admin:accounts_resetpolicy_change",
                                     args=[ResetPolicy.current().pk])).content.decode()

    assert re.search(r">\s*Giltighetstid\s*</h2>", password)
    assert not re.search(r">\s*Expiry\s*</h2>", password)
    assert not re.search(r">\s*(Methods|Registration|Notifications and help)\s*</h2>", reset)
