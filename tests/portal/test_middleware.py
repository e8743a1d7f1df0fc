import pytest


@pytest.mark.django_db
def test_vietnamese_by_default_even_for_english_browsers(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "vi"


@pytest.mark.django_db
def test_english_when_chosen_with_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = client.get("/admin/login/")
    assert page.headers["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/admin/login/"})
    assert client.get("/admin/login/").headers["Content-Language"] == "en"
