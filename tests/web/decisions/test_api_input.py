"""The deposit API refuses cleanly what it cannot take (issue #7, part 4).

Whole requests it cannot read are answered 400, 405, 413 or 415 in the API's one JSON
error shape; an item it cannot take is rejected with the reason named, and the rest
of the batch goes on.
"""

from __future__ import annotations

import http.client
import io
import json
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from notify.decisions.content import MAX_BODY_BYTES
from notify.decisions.models import Decision
from notify.web.json_input import MAX_DEPTH
from tests.deposits import restoration, withdrawal

URL = "/api/v1/decisions"
TOO_BIG = f"Corps trop volumineux : {MAX_BODY_BYTES} octets au plus."


def stored(session):
    return session.scalar(select(func.count()).select_from(Decision))


def error_of(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    return body["error"]["message"]


# --- bodies that cannot be read -----------------------------------------------------


@pytest.mark.parametrize(("body", "message"), [
    (b"[" * 1100 + b"]" * 1100, f"plus de {MAX_DEPTH} niveaux de tableaux et d'objets "
                                f"imbriqués"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"plus de {MAX_DEPTH} niveaux"),
    (b'[{"reference": "caf\xe9"}]', "encodage UTF-8 attendu (octet 0xE9 invalide en "
                                    "position 19)"),
    ('[{"reference": "A"}]'.encode("utf-16"), "encodage UTF-8 attendu"),
    (b"\xef\xbb\xbf[]", "marque d'ordre des octets (BOM)"),
    (b"[" + b"1" * 5000 + b"]", "nombre de plus de 4300 chiffres"),
])
def test_unreadable_bodies_are_400(client, auth, session, body, message):
    response = client.post(URL, data=body, content_type="application/json", headers=auth)
    assert message in error_of(response, 400)
    assert response.headers["Cache-Control"] == "no-store"
    assert stored(session) == 0


def test_a_body_nested_to_the_bound_is_read(client, auth):
    body = [[[{"reference": "N-1"}]]]
    response = client.post(URL, json=body, headers=auth)
    [result] = response.get_json()["results"]
    assert result["outcome"] == "rejected"
    assert result["errors"] == [{"field": "", "message": "objet JSON attendu pour chaque "
                                                        "décision"}]


def test_a_charset_other_than_utf8_is_415(client, auth):
    response = client.post(URL, data=b"[]", headers=auth,
                           content_type="application/json; charset=latin-1")
    assert error_of(response, 415) == "JSON en UTF-8 attendu (reçu charset=latin-1)."
    response = client.post(URL, data=b"[42]", headers=auth,
                           content_type="application/json; charset=UTF-8")
    assert response.status_code == 200


def test_too_big_with_content_length_is_413_unread(client, auth):
    class Unreadable(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise AssertionError("a body announced too big must not be read")

    response = client.post(URL, content_type="application/json", headers=auth,
                           environ_overrides={"wsgi.input": Unreadable(),
                                              "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)})
    assert error_of(response, 413) == TOO_BIG


class Endless(io.RawIOBase):
    """A streamed body that never ends: what is read of it is counted."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = b"[" + b" " * (len(buffer) - 1) if self.given == 0 else b" " * len(buffer)
        buffer[:len(chunk)] = chunk
        self.given += len(chunk)
        return len(chunk)


def test_too_big_streamed_without_content_length_is_413(client, auth, session):
    """Chunked transfer: the server hands the application a terminated stream and no
    Content-Length (``wsgi.input_terminated``, as Werkzeug's and Gunicorn's servers do).
    Reading stops at the bound."""
    stream = Endless()
    response = client.post(URL, content_type="application/json",
                           headers={**auth, "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": stream,
                                              "wsgi.input_terminated": True})
    assert error_of(response, 413) == TOO_BIG
    assert stream.given <= MAX_BODY_BYTES + 64 * 1024
    assert stored(session) == 0


@pytest.fixture
def served(app):
    """The app behind Werkzeug's real HTTP server on loopback (which de-chunks requests)."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()


def _post_chunked(port, headers, chunks):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", URL, body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_chunked_over_real_http(served, auth, open_account):
    licence = open_account().holder.licence_number
    small = json.dumps([withdrawal("H-1", licence)]).encode()
    status, answer = _post_chunked(served, auth, iter([small[:10], small[10:]]))
    assert status == 200 and answer["results"][0]["outcome"] == "accepted"

    def too_big():
        yield b"["
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b" " * 65536
        yield b"]"
    status, answer = _post_chunked(served, auth, too_big())
    assert (status, answer) == (413, {"error": {"status": 413, "message": TOO_BIG}})


@pytest.mark.parametrize("reference", ["%00", "a%0Ab", "R" * 51, "%C3%A9t%C3%A9", "-R"])
def test_a_reference_no_decision_can_bear_is_404(client, auth, reference):
    response = client.get(f"{URL}/{reference}", headers=auth)
    assert error_of(response, 404).startswith("Aucune décision ne peut porter cette "
                                              "référence")


# --- methods ----------------------------------------------------------------------

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def api_routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def test_a_wrong_method_is_405_with_allow_on_every_api_route(app, client, auth):
    routes = api_routes(app)
    assert {rule.rule for rule in routes} >= {URL, f"{URL}/<reference>",
                                              "/api/v1/openapi.json"}
    for rule in routes:
        path = rule.rule.replace("<reference>", "S-1").replace(
            "<string(length=12):number>", "IMAAAAAAAAAA")
        for method in sorted(METHODS - rule.methods):
            response = client.open(path, method=method, headers=auth)
            assert response.status_code == 405, (method, path)
            if method != "HEAD":  # no body, by definition
                assert error_of(response, 405) == "Cette adresse ne s'utilise pas de " \
                                                  "cette façon."
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed == rule.methods, (method, path)


# --- items that cannot be taken: rejected, the rest of the batch goes on -------------


def deposit_with(client, auth, licence, bad):
    """Deposit a valid item, ``bad``, and another valid item; answer about ``bad``."""
    items = [withdrawal("OK-1", licence), bad, restoration("OK-2", licence)]
    response = client.post(URL, json=items, headers=auth)
    assert response.status_code == 200
    first, result, last = response.get_json()["results"]
    assert (first["outcome"], last["outcome"]) == ("accepted", "accepted")
    assert result["outcome"] == "rejected"
    return result["errors"]


def offence(**fields):
    return {"date": "2026-10-02", "place": "Lyon (69)", "description": "Excès de vitesse",
            "class": "C3", **fields}


@pytest.mark.parametrize(("bad", "field", "message"), [
    ({"offence": offence(place="\ud800")}, "offence.place",
     "texte Unicode invalide : demi-codet d'indirection isolé U+D800 (caractère 1)"),
    ({"offence": offence(description="Excès\udc00")}, "offence.description",
     "texte Unicode invalide : demi-codet d'indirection isolé U+DC00 (caractère 6)"),
    ({"offence": offence(place="Lyon\x00")}, "offence.place",
     "caractère de contrôle interdit : U+0000 (caractère 5)"),
    ({"offence": offence(description="ligne 1\r\nligne 2")}, "offence.description",
     "caractère de contrôle interdit : U+000D (caractère 8)"),
    ({"offence": offence(place="Lyon \u202e(69)")}, "offence.place",
     "caractère de contrôle interdit : U+202E (caractère 6)"),
    ({"offence": offence(place="L" * 201)}, "offence.place",
     "200 caractères au plus (reçu 201)"),
    ({"offence": offence(description="D" * 1001)}, "offence.description",
     "1000 caractères au plus (reçu 1001)"),
    ({"reference": "R-1\n"}, "reference", None),
    ({"reference": "R" * 51}, "reference", None),
    ({"licence_number": "\ud800" * 12}, "licence_number",
     "12 chiffres ou lettres majuscules attendus"),
    ({"licence_number": "\ufb00" * 6}, "licence_number",
     "12 chiffres ou lettres majuscules attendus"),
    ({"decided_on": "0001-01-01"}, "decided_on",
     "la date ne peut pas être antérieure au 01/07/1992, entrée en vigueur du permis à "
     "points"),
    ({"decided_on": "1992-06-30", "offence": offence(date="1992-06-01")},
     ["decided_on", "offence.date"],
     "la date ne peut pas être antérieure au 01/07/1992, entrée en vigueur du permis à "
     "points"),
    ({"offence": offence(date="1992-06-30")}, "offence.date",
     "la date ne peut pas être antérieure au 01/07/1992, entrée en vigueur du permis à "
     "points"),
    # The clock is 2026-11-20T09:30Z: already the 20th everywhere, the 21st nowhere.
    ({"decided_on": "2026-11-21"}, "decided_on", "la date ne peut pas être dans le futur"),
    ({"offence": offence(date="2026-11-21")}, "offence.date",
     "la date ne peut pas être dans le futur"),
    ({"decided_on": "2026-10-01"}, "offence.date",
     "l'infraction ne peut pas être postérieure à la décision"),
])
def test_bad_items_are_rejected_and_the_batch_goes_on(client, auth, open_account, session,
                                                      bad, field, message):
    licence = open_account().holder.licence_number
    errors = deposit_with(client, auth, licence, withdrawal("BAD-1", licence, **bad))
    fields = field if isinstance(field, list) else [field]
    assert [e["field"] for e in errors] == fields
    if message is not None:
        assert {e["message"] for e in errors} == {message}
    assert stored(session) == 2


@pytest.mark.parametrize(("decided_on", "offence_date"), [
    ("1992-07-01", "1992-07-01"),  # the first day of the points licence
    ("2026-11-20", "2026-11-20"),  # today, the offence the same day
])
def test_dates_on_the_bounds_are_accepted(client, auth, open_account, make_holder,
                                          decided_on, offence_date):
    licence = make_holder().licence_number
    item = withdrawal("EDGE-1", licence, decided_on=decided_on,
                      offence=offence(date=offence_date))
    [result] = client.post(URL, json=[item], headers=auth).get_json()["results"]
    assert (result["outcome"], result["errors"]) == ("accepted", [])


def test_not_in_the_future_follows_the_territory_furthest_ahead(client, auth, clock,
                                                                 make_holder):
    """At 21:30 UTC on 20 November it is already the 21st in La Réunion: a decision
    dated the 21st is accepted, one dated the 22nd is in the future everywhere."""
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 20, 21, 30, tzinfo=UTC))
    licence = make_holder().licence_number
    items = [restoration("TZ-1", licence, decided_on="2026-11-21"),
             restoration("TZ-2", licence, decided_on="2026-11-22")]
    first, second = client.post(URL, json=items, headers=auth).get_json()["results"]
    assert first["outcome"] == "accepted"
    assert second["errors"] == [{"field": "decided_on",
                                 "message": "la date ne peut pas être dans le futur"}]


def test_texts_are_stored_normalised(client, auth, make_holder, session):
    licence = make_holder().licence_number
    item = withdrawal("NFC-1", licence, offence=offence(place="  Se\u0301lestat (67) "))
    client.post(URL, json=[item], headers=auth)
    assert session.scalar(select(Decision.offence_place)) == "Sélestat (67)"


def test_integral_numbers_written_with_a_fraction_are_integers(client, auth, make_holder):
    """JSON (RFC 8259) and JSON Schema do not tell 2 from 2.0; 2.5 is refused."""
    licence = make_holder().licence_number
    items = [withdrawal("INT-1", licence, points=2.0, balance_after=10.0),
             withdrawal("INT-1", licence),
             withdrawal("INT-2", licence, points=2.5, balance_after=8)]
    results = client.post(URL, json=items, headers=auth).get_json()["results"]
    assert [r["outcome"] for r in results] == ["accepted", "duplicate", "rejected"]
    assert results[2]["errors"] == [{"field": "points", "message": "nombre entier attendu"}]
