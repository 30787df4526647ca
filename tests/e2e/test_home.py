import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_home_page_in_english_and_then_in_swedish(page, screenshot):
    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Get back into your account"
    assert screenshot("home-en").stat().st_size > 10_000

    page.get_by_role("button", name="Svenska").click()

    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Kom tillbaka in på ditt konto"
    assert screenshot("home-sv").stat().st_size > 10_000


def test_the_stylesheet_loads_from_our_own_server(page):
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(page.base_url + "/")
    css = [r for r in responses if r.url.endswith(".css")]
    assert css
    assert all(r.ok and r.url.startswith(page.base_url) for r in css)
