"""Every email the tracker sends: composed as plain text and HTML, then delivered to a real SMTP
server on 127.0.0.1, into a folder when no server is set, or from the background thread.

Composing is tested on small templates in a temporary folder that extend the real HTML
layout, so the product holds no test-only templates; the reminder templates are tested
through `flask send-reminders` in test_reminders.py.
"""

import logging
import re
import shutil
import stat
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from tests.conftest import free_port
from tracker import create_app
from tracker.mail import (
    EmailTemplates,
    MailSettingsError,
    Recipient,
    SendError,
    compose,
    deliver,
    deliver_in_background,
    links_in,
    plain_text,
    wait_for_background_mail,
)
from tracker.mail.messages import TEMPLATES

SAM = Recipient("Sam Price", "sam@example.org")
LINK = "https://tracker.example.org/reset?token=abc&next=%2F"
MAIL_FROM = "Improvement plan tracker <tracker@example.org>"
FILE_NAME = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}\.eml")

NOTICE_TEXT = """Dear {{ name }},

{{ message }}

Open it here: {{ link }}

{{ service_name }}
"""
NOTICE_HTML = """{% extends "_layout.html" %}
{% block content %}
<p>Dear {{ name }},</p>
<p>{{ message }}</p>
<p>Open it here: <a href="{{ link }}">{{ link }}</a></p>
{% endblock %}
"""


@pytest.fixture
def templates(tmp_path) -> EmailTemplates:
    """A notice with text and HTML (on the real layout), and a note with text only."""
    folder = tmp_path / "emails"
    folder.mkdir()
    shutil.copy(TEMPLATES / "_layout.html", folder)
    (folder / "notice.txt").write_text(NOTICE_TEXT)
    (folder / "notice.html").write_text(NOTICE_HTML)
    (folder / "note.txt").write_text("Dear {{ name }},\n\n{{ message }}\n")
    return EmailTemplates(folder)


@pytest.fixture
def notice(templates):
    """Compose the test notice to `to`, with the context given."""

    def make(to=SAM, subject="Your notice", config=None, **context):
        context = {"name": to.name, "message": "Hello.", "link": LINK, **context}
        settings = config or {"MAIL_FROM": MAIL_FROM}
        return compose("notice", to, subject, context, settings, templates=templates)

    return make


@pytest.fixture
def server_config(smtp) -> dict:
    """Settings that send to the test SMTP server."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_FROM": MAIL_FROM,
    }


@pytest.fixture(autouse=True)
def background_mail_finishes():
    """No test leaves mail in the background thread for the next one to see."""
    yield
    assert wait_for_background_mail(timeout=35)


def test_an_email_with_an_html_template_is_sent_as_text_and_html_alternatives(notice):
    message = notice()

    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert "Open it here: " + LINK in text.get_content()
    assert text.get_content().rstrip().endswith("Improvement plan tracker")
    assert message["From"] == MAIL_FROM
    assert message["To"] == "Sam Price <sam@example.org>"
    assert message["Subject"] == "Your notice"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.org>") and message["Date"]


def test_an_email_without_an_html_template_is_plain_text_only(templates):
    context = {"name": "Sam", "message": "Hi."}

    message = compose("note", SAM, "A note", context, {"MAIL_FROM": MAIL_FROM}, templates=templates)

    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Dear Sam,\n\nHi.\n"


def test_the_html_part_escapes_what_the_text_part_keeps_as_typed(notice):
    message = notice(message="<script>alert('hi')</script> Children & Families")

    text = plain_text(message)
    html = message.get_body(("html",)).get_content()
    assert "<script>alert('hi')</script> Children & Families" in text
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; Children &amp; Families" in html
    assert "<script" not in html
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in html


def test_the_html_layout_is_plain_accessible_html_with_the_link_visible(notice):
    html = notice(subject="Reset your password").get_body(("html",)).get_content()

    assert '<html lang="en">' in html
    assert "<title>Reset your password</title>" in html
    assert re.search(r"<h1[^>]*>Reset your password</h1>", html)
    # The full address is the link's text too, so it can be checked or copied.
    assert re.search(r'<a href="[^"]+">' + re.escape(LINK.replace("&", "&amp;")) + "</a>", html)
    assert re.search(r"<p[^>]*>Improvement plan tracker</p>\s*</div>\s*</body>", html)
    for unwanted in ("<img", "<table", "<link", "<style", "<script", "http://", "src="):
        assert unwanted not in html


def test_every_html_email_template_has_a_plain_text_twin_and_uses_the_layout():
    html_templates = [path for path in TEMPLATES.glob("*.html") if path.name != "_layout.html"]

    assert html_templates
    for path in html_templates:
        assert path.with_suffix(".txt").is_file(), path.name
        assert '{% extends "_layout.html" %}' in path.read_text(), path.name


def test_a_typo_in_a_template_fails_instead_of_leaving_a_gap(templates):
    with pytest.raises(UndefinedError):
        compose(
            "note", SAM, "A note", {"name": "Sam"}, {"MAIL_FROM": MAIL_FROM}, templates=templates
        )


def test_a_line_break_in_a_name_or_subject_cannot_add_a_header_or_recipient(
    notice, server_config, smtp
):
    to = Recipient("Sam\r\nBcc: evil@example.com", "sam@example.org")

    message = notice(to=to, subject="Your notice\r\nBcc: evil@example.com\nCc: evil@example.com")
    deliver([message], server_config)

    (received,) = smtp.received
    assert received.rcpt_tos == ["sam@example.org"]
    assert received.message["Bcc"] is None and received.message["Cc"] is None
    headers = received.raw.split(b"\r\n\r\n")[0]
    assert not re.search(rb"^(Bcc|Cc):", headers, re.MULTILINE | re.IGNORECASE)
    assert received.message["Subject"] == ("Your notice Bcc: evil@example.com Cc: evil@example.com")
    (address,) = received.message["To"].addresses
    assert (address.display_name, address.addr_spec) == (
        "Sam Bcc: evil@example.com",
        "sam@example.org",
    )


@pytest.mark.parametrize(
    "bad_address",
    ["sam@example.org, evil@example.com", "Sam <sam@example.org>", "sam@example.org\r\nBcc: x@y"],
)
def test_a_recipient_that_is_not_exactly_one_address_is_refused(notice, bad_address):
    with pytest.raises(ValueError, match="not a single valid email address"):
        notice(to=Recipient("Sam", bad_address))


def test_a_mail_from_that_is_not_an_address_is_a_settings_error(notice):
    with pytest.raises(MailSettingsError, match="MAIL_FROM"):
        notice(config={"MAIL_FROM": "Improvement plan tracker"})


def test_without_a_mail_server_each_message_is_written_to_the_folder_and_its_links_logged(
    notice, tmp_path, caplog
):
    folder = tmp_path / "instance" / "mail"  # not there yet
    messages = [
        notice(subject="First", link="https://tracker.example.org/invitations/abc"),
        notice(to=Recipient("Jo", "jo@example.org"), subject="Second", link="http://127.0.0.1/x"),
    ]
    delivered = []
    caplog.set_level(logging.WARNING, logger="tracker.mail")

    sent = deliver(
        messages, {"MAIL_SERVER": "", "MAIL_FOLDER": str(folder)}, on_sent=delivered.append
    )

    assert sent == 2 and delivered == messages
    files = sorted(folder.iterdir())
    assert len(files) == 2
    for path in files:
        assert FILE_NAME.fullmatch(path.name), path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    assert sorted(message["Subject"] for message in kept) == ["First", "Second"]
    first = next(message for message in kept if message["Subject"] == "First")
    assert first["To"] == "Sam Price <sam@example.org>"
    assert "https://tracker.example.org/invitations/abc" in plain_text(first)
    assert first.get_body(("html",)) is not None
    records = [r for r in caplog.records if r.name == "tracker.mail"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    first_line, second_line = (r.getMessage() for r in records)
    assert "\n" not in first_line
    assert "To: Sam Price <sam@example.org>" in first_line
    assert "Subject: First" in first_line
    assert first_line.endswith("Links: https://tracker.example.org/invitations/abc")
    assert str(folder) in first_line
    assert "To: Jo <jo@example.org>" in second_line
    assert second_line.endswith("Links: http://127.0.0.1/x")


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Open https://a.example/x.", ["https://a.example/x"]),
        ("Go to <https://a.example/x?a=1&b=2>, then", ["https://a.example/x?a=1&b=2"]),
        ("http://a.example/1 and https://b.example/2 and http://a.example/1", None),
        ("(see https://a.example/page)", ["https://a.example/page"]),
        ("https://a.example/\x1b[31mred", ["https://a.example/"]),
        ("ftp://a.example/file and mailto:sam@example.org", []),
        ("", []),
    ],
)
def test_links_are_found_in_a_plain_text_body(text, links):
    expected = links if links is not None else ["http://a.example/1", "https://b.example/2"]
    assert links_in(text) == expected


def test_a_folder_that_cannot_be_written_stops_with_a_send_error(notice, tmp_path):
    in_the_way = tmp_path / "mail"
    in_the_way.write_text("a file where the folder should be")

    with pytest.raises(SendError) as failure:
        deliver([notice()], {"MAIL_SERVER": "", "MAIL_FOLDER": str(in_the_way)})

    assert failure.value.sent == 0
    assert f"Could not write mail to the folder {in_the_way}" in str(failure.value)
    assert "0 of 1 message had been sent before the failure" in str(failure.value)


def test_with_neither_a_server_nor_a_folder_nothing_is_delivered(notice):
    with pytest.raises(MailSettingsError, match="MAIL_SERVER and MAIL_FOLDER are both empty"):
        deliver([notice()], {"MAIL_SERVER": "", "MAIL_FOLDER": ""})


def test_with_a_mail_server_messages_go_over_one_smtp_connection(notice, server_config, smtp):
    messages = [notice(), notice(to=Recipient("Jo", "jo@example.org"))]
    delivered = []

    assert deliver(messages, server_config, on_sent=delivered.append) == 2

    assert delivered == messages
    assert [m.rcpt_tos for m in smtp.received] == [["sam@example.org"], ["jo@example.org"]]
    assert {m.mail_from for m in smtp.received} == {"tracker@example.org"}
    assert len({m.peer for m in smtp.received}) == 1
    assert "Open it here: " + LINK in smtp.received[0].body
    assert f'href="{LINK.replace("&", "&amp;")}"' in smtp.received[0].html


def test_a_refused_recipient_stops_delivery_and_says_how_many_went(notice, server_config, smtp):
    smtp.refuse = {"jo@example.org"}
    messages = [notice(), notice(to=Recipient("Jo", "jo@example.org")), notice()]

    with pytest.raises(SendError) as failure:
        deliver(messages, server_config)

    assert (failure.value.sent, failure.value.total) == (1, 3)
    assert "refused the recipient jo@example.org (550" in str(failure.value)
    assert "1 of 3 messages had been sent before the failure" in str(failure.value)
    assert len(smtp.received) == 1


def test_mail_handed_to_the_background_reaches_the_server(notice, server_config, smtp):
    deliver_in_background([notice(), notice(subject="Another")], server_config)

    assert wait_for_background_mail(timeout=10)
    assert [m.message["Subject"] for m in smtp.received] == ["Your notice", "Another"]


def test_a_failed_background_send_is_logged_and_the_next_still_goes(
    notice, server_config, smtp, caplog
):
    nothing_listening = {**server_config, "MAIL_PORT": free_port()}

    deliver_in_background([notice()], nothing_listening)  # raises nothing
    assert wait_for_background_mail(timeout=10)

    (record,) = [r for r in caplog.records if r.name == "tracker.mail"]
    assert record.levelno == logging.ERROR
    assert "Could not connect to the mail server at 127.0.0.1:" in record.getMessage()
    assert "0 of 1 message had been sent before the failure" in record.getMessage()
    assert smtp.received == []
    deliver_in_background([notice()], server_config)
    assert wait_for_background_mail(timeout=10)
    assert len(smtp.received) == 1


def test_handing_mail_to_the_background_does_not_wait_for_a_slow_server(
    notice, server_config, smtp
):
    smtp.delay = 1.0
    messages = [notice()]

    started = time.perf_counter()
    deliver_in_background(messages, server_config)
    deliver_in_background(messages, server_config)  # queued behind the first
    took = time.perf_counter() - started

    assert took < 0.05
    assert not wait_for_background_mail(timeout=0.2)  # the server is still answering
    assert smtp.received == []
    assert wait_for_background_mail(timeout=10)
    assert len(smtp.received) == 2


def test_the_background_thread_uses_the_settings_as_they_were_when_handed_over(
    notice, server_config, smtp
):
    smtp.delay = 0.5
    deliver_in_background([notice()], server_config)  # keeps the thread busy for a while
    config = dict(server_config)

    deliver_in_background([notice(subject="Second")], config)
    config["MAIL_PORT"] = free_port()  # as if the app's settings changed meanwhile

    assert wait_for_background_mail(timeout=10)
    assert [m.message["Subject"] for m in smtp.received] == ["Your notice", "Second"]


def test_the_background_thread_writes_to_the_folder_without_a_server(notice, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="tracker.mail")

    deliver_in_background([notice()], {"MAIL_SERVER": "", "MAIL_FOLDER": str(tmp_path)})

    assert wait_for_background_mail(timeout=10)
    assert len(list(tmp_path.glob("*.eml"))) == 1
    assert LINK in caplog.text


def test_by_default_mail_is_written_to_the_instance_mail_folder(database_path):
    app = create_app({"DATABASE": str(database_path), "SECRET_KEY": "test", "TESTING": True})
    assert app.config["MAIL_SERVER"] == ""
    assert Path(app.config["MAIL_FOLDER"]) == Path(app.instance_path) / "mail"


def test_the_mail_folder_can_be_set_in_the_environment(database_path, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_MAIL_FOLDER", str(tmp_path / "outbox"))

    app = create_app({"DATABASE": str(database_path), "SECRET_KEY": "test", "TESTING": True})

    assert app.config["MAIL_FOLDER"] == str(tmp_path / "outbox")
