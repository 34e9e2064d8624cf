def test_home_is_french_with_skip_link(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="fr"' in body
    assert 'href="#contenu"' in body
