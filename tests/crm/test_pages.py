import pytest

from crm import roles
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_needs_a_login_and_links_what_the_role_may_open(client):
    assert client.get("/").status_code == 302
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    content = client.get("/").content.decode()
    assert "/receivables/aging/" in content
    assert "/admin/" not in content  # not staff


def test_people_who_are_not_staff_log_in_on_the_site_login_page(client):
    UserFactory(username="clara", roles=[roles.COLLECTIONS_CLERK])
    response = client.post(
        "/accounts/login/",
        {
            "username": "clara",
            "password": "correct horse battery staple",
            "next": "/receivables/aging/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/receivables/aging/"
    wrong = client.post("/accounts/login/", {"username": "clara", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
