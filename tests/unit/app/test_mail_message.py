"""Outbox rows rendered to SMTP bytes, read back with the standard library's parser."""

import email
import email.policy
from datetime import UTC, datetime

from notify.mail.message import new_message_id, render

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TEXT = ("Bonjour,\n\nUne décision est disponible : « ouvrez » votre espace.\n"
        ".ligne qui commence par un point\n" + "é" * 200 + "\n")
HTML = "<p>Une décision est disponible&nbsp;: <a href=\"https://x/decisions\">voir</a></p>"


def message(subject="Une nouvelle décision est disponible dans votre espace"):
    data = render(message_id="<m7@notify.test>", sender="ne-pas-repondre@notify.test",
                  to="a@example.fr", subject=subject, text=TEXT, html=HTML, at=AT)
    return data, email.message_from_bytes(data, policy=email.policy.default)


def test_headers_and_both_parts_read_back_exactly():
    _, parsed = message()
    assert parsed["Subject"] == "Une nouvelle décision est disponible dans votre espace"
    assert parsed["To"] == "a@example.fr"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"].datetime == AT
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT
    assert parsed.get_body(("html",)).get_content().strip() == HTML
    assert parsed.defects == [] and all(not p.defects for p in parsed.walk())


def test_lines_are_crlf_and_short_enough_for_smtp():
    data, _ = message()
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 78


def test_ascii_subject_is_left_alone_and_ids_differ_per_message():
    data, parsed = message("Confirmez votre adresse")
    assert b"Subject: Confirmez votre adresse\r\n" in data
    assert parsed["Message-ID"] == "<m7@notify.test>"


def test_message_ids_are_fresh_and_on_the_sender_domain():
    first, second = (new_message_id("ne-pas-repondre@notify.test") for _ in range(2))
    assert first != second
    assert first.startswith("<") and first.endswith("@notify.test>")


def test_internationalised_recipient_is_written_in_utf8():
    data = render(message_id="<m8@notify.test>", sender="s@notify.test", to="zoë@exemple.fr",
                  subject="x", text="t", html="h", at=AT)
    assert "To: zoë@exemple.fr\r\n".encode() in data
    parsed = email.message_from_bytes(data, policy=email.policy.SMTPUTF8)
    assert parsed["To"] == "zoë@exemple.fr"
