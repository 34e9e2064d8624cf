"""Without its settings, FranceConnect is nowhere: no button, no section, no route."""


def test_off_unless_configured(client, browser, open_account):
    assert "FranceConnect" not in client.get("/connexion").get_data(as_text=True)
    account = open_account()
    browser.login(account.email)
    page = client.get("/compte").get_data(as_text=True)
    assert "FranceConnect" not in page
    assert 'action="/deconnexion"' in page
    assert client.get("/franceconnect/liaison").status_code == 404
    assert client.get("/franceconnect/retour?code=x&state=y").status_code == 404
