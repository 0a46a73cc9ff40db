"""Static files: URLs carry a content hash, and only such URLs may be cached for a year."""
from flask import url_for


def test_static_urls_carry_a_hash_of_the_file(app, client):
    version = app.extensions["static_versions"]["app.css"]
    with app.test_request_context():
        assert url_for("static", filename="app.css") == f"/static/app.css?v={version}"
    assert f"/static/app.css?v={version}" in client.get("/").get_data(as_text=True)


def test_a_fingerprinted_url_may_be_cached_for_a_year(app, client):
    version = app.extensions["static_versions"]["app.css"]
    response = client.get(f"/static/app.css?v={version}")
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable and response.cache_control.public
    response.close()


def test_a_url_without_the_current_hash_is_not_cached_for_long(client):
    for url in ("/static/app.css", "/static/app.css?v=0123456789ab"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cache_control.max_age
        response.close()
