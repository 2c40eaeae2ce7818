"""The published view and the share links that open it without an account."""

import logging
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.conftest import csrf_token
from tests.test_permissions import DEMO_IDS, STATE_CHANGING
from tracker.audit import Actor
from tracker.scrutiny import links
from tracker.uk_time import uk_today
from tracker.updates import workflow

PLAN = 1
LOCKED, OPEN = "2022/23 Q3", "2022/23 Q4"
LOCKED_ID, OPEN_ID = 1, 2
ADMIN = Actor(user_id=1, board_id=1)
CHAMPION = Actor(user_id=2, board_id=1)
# A sample narrative approved in the demo's closed quarter, on recommendation 1.
PUBLISHED_TEXT = "A survey of children, parents and carers"
REFUSED = "This link does not work"
SIGN_OUT_FORM = re.compile(r'<form class="app-header__sign-out-form"[^>]*>.*?</form>', re.DOTALL)


# Helpers


def make_link_through_the_form(client, label="Scrutiny panel, November", expires_on=None):
    """Make a link as the signed-in administrator `client`; returns (response, token)."""
    expires_on = expires_on or (uk_today() + timedelta(days=30)).isoformat()
    response = client.post(
        f"/plans/{PLAN}/share-links",
        data={
            "csrf_token": csrf_token(client, f"/plans/{PLAN}/share-links"),
            "label": label,
            "expires_on": expires_on,
        },
    )
    found = re.search(
        r'id="new-share-link">\s*http://localhost/shared/([^<\s]+)\s*<', response.text
    )
    return response, found[1] if found else None


def a_link(db, plan_id=PLAN, expires_on=None) -> str:
    """A working link to the plan, made directly; returns its token."""
    return links.make_link(
        db, plan_id, "Panel", expires_on or uk_today() + timedelta(days=30), ADMIN
    )


def link_row(db, token: str) -> dict:
    return next(
        db.query("SELECT * FROM share_links WHERE token_sha256 = ?", [links.token_hash(token)])
    )


def everything_in(db) -> dict:
    """Every row of every table, to show a request changed nothing at all."""
    return {
        table: db.execute(f"SELECT * FROM [{table}]").fetchall()  # noqa: S608 - the schema's names
        for table in db.table_names()
    }


def forms_other_than_sign_out(page: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", SIGN_OUT_FORM.sub("", page))


def write_unpublished_updates(db) -> dict[str, str]:
    """Real updates in the open quarter that must never be published, each with a phrase of
    its own: a draft, a submitted update, a returned one, and one approved in the open quarter.
    """
    phrases = {
        "draft": "Zebra draft phrase never to be published",
        "submitted": "Quokka submitted phrase never to be published",
        "returned": "Narwhal returned phrase never to be published",
        "approved": "Ibex approved while the quarter is still open",
    }

    def save(recommendation_id, phrase, submit):
        latest = workflow.latest_revision(db, recommendation_id, OPEN_ID)
        fields = {"narrative": phrase, "status": "green"}
        based_on = latest["revision"] if latest else 0
        return workflow.save_update(
            db, recommendation_id, OPEN_ID, fields, based_on, submit, CHAMPION
        )

    save(1, phrases["draft"], submit=False)
    save(2, phrases["submitted"], submit=True)
    returned = save(3, phrases["returned"], submit=True)
    workflow.review_update(db, 3, OPEN_ID, False, "Say more", returned["revision"], ADMIN)
    approved = save(4, phrases["approved"], submit=True)
    workflow.review_update(db, 4, OPEN_ID, True, "", approved["revision"], ADMIN)
    return phrases


# The published view, signed in


@pytest.mark.parametrize("role", ["administrator", "champion", "scrutiny"])
def test_every_board_member_can_read_the_published_view(signed_in, role):
    page = signed_in(role).get(f"/plans/{PLAN}/published")
    assert page.status_code == 200
    text = page.text
    assert "Published progress as at 2022/23 Q3" in text
    assert "27/36" in text  # the inspection's score
    assert "Requires improvement" in text  # a rating
    assert "Recommendations</th>" in text and "Youth Justice Service champion</th>" in text
    assert PUBLISHED_TEXT in text
    assert 'id="history-1"' in text
    assert "Download the scrutiny pack for 2022/23 Q3 (PDF)" in text
    assert "/pack/download?quarter=2022/23+Q3&amp;version=scrutiny" in text
    assert forms_other_than_sign_out(text) == []


def test_progress_shows_the_status_in_words_with_its_direction_of_travel(signed_in, db):
    workflow.lock_quarter(db, PLAN, OPEN_ID, ADMIN)  # Q4 closed with no updates in it
    page = signed_in("scrutiny").get(f"/plans/{PLAN}/published?quarter={quote(LOCKED)}").text
    assert "Amber" in page and "Green" in page and "Red" in page
    assert "No earlier status" in page  # nothing before Q3 to compare with

    latest = signed_in("scrutiny").get(f"/plans/{PLAN}/published").text
    assert "Published progress as at 2022/23 Q4" in latest
    assert "No approved update for 2022/23 Q4" in latest
    assert f'href="/plans/{PLAN}/published?quarter=2022/23+Q3"' in latest


def test_drafts_submitted_returned_and_open_quarter_updates_are_never_published(
    signed_in, db, client
):
    phrases = write_unpublished_updates(db)
    token = a_link(db)
    pages = [
        signed_in("administrator").get(f"/plans/{PLAN}/published").text,
        signed_in("scrutiny").get(f"/plans/{PLAN}/published").text,
        client.get(f"/shared/{token}").text,
    ]
    for page in pages:
        assert PUBLISHED_TEXT in page
        for phrase in phrases.values():
            assert phrase not in page
    assert (
        signed_in("scrutiny").get(f"/plans/{PLAN}/published?quarter={quote(OPEN)}").status_code
        == 404
    )
    assert client.get(f"/shared/{token}?quarter={quote(OPEN)}").status_code == 404


def test_closing_the_quarter_publishes_its_approved_update_and_nothing_else(db, client):
    phrases = write_unpublished_updates(db)
    workflow.lock_quarter(db, PLAN, OPEN_ID, ADMIN)
    page = client.get(f"/shared/{a_link(db)}").text
    assert "Published progress as at 2022/23 Q4" in page
    assert phrases["approved"] in page
    for state in ("draft", "submitted", "returned"):
        assert phrases[state] not in page
    # Recommendation 4 went from Red in Q3 to Green in Q4.
    row = re.search(r'id="recommendation-4".*?</tr>', page, re.DOTALL)[0]
    assert "Green" in row and "Improving" in row


def test_with_no_quarter_closed_there_is_nothing_published(signed_in, db, client):
    db.execute("UPDATE quarters SET locked_at = NULL")
    token = a_link(db)
    for page in (
        signed_in("scrutiny").get(f"/plans/{PLAN}/published"),
        client.get(f"/shared/{token}"),
    ):
        assert page.status_code == 200
        assert "Nothing has been published yet" in page.text
        assert "Download" not in page.text
    assert client.get(f"/shared/{token}/pack.pdf").status_code == 404


# Share links: making, listing and revoking


def test_an_administrator_makes_a_link_that_is_shown_once(signed_in, db):
    admin = signed_in("administrator")
    response, token = make_link_through_the_form(admin, "Children and Lifelong Learning, November")
    assert response.status_code == 200
    assert token and links.looks_like_a_token(token)
    assert "It is shown only this once" in response.text
    row = link_row(db, token)
    assert row["label"] == "Children and Lifelong Learning, November"
    assert row["created_by"] == 1 and row["use_count"] == 0

    again = admin.get(f"/plans/{PLAN}/share-links").text
    assert token not in again
    assert "Children and Lifelong Learning, November" in again
    assert "Paul Caswell" in again  # made by
    assert "Never" in again and "<strong>Active</strong>" in again


def test_the_default_expiry_is_a_month_away(signed_in):
    page = signed_in("administrator").get(f"/plans/{PLAN}/share-links").text
    default = (uk_today() + timedelta(days=30)).isoformat()
    assert f'value="{default}"' in page


@pytest.mark.parametrize(
    ("label", "expires_in_days", "message"),
    [
        ("", 30, "Enter who the link is for"),
        ("   ", 30, "Enter who the link is for"),
        ("x" * 201, 30, "Who the link is for must be 200 characters or fewer"),
        ("Panel", None, "Enter the last day the link works"),
        ("Panel", "2026-02-30", "Enter the last day the link works as a real date"),
        ("Panel", "next week", "Enter the last day the link works as a real date"),
        ("Panel", -1, "The last day the link works must be today or in the future"),
        ("Panel", 366, "The last day the link works must be within a year"),
    ],
)
def test_a_link_needs_a_label_and_an_expiry_within_a_year(
    signed_in, count_rows, label, expires_in_days, message
):
    admin = signed_in("administrator")
    if isinstance(expires_in_days, int):
        expires_on = (uk_today() + timedelta(days=expires_in_days)).isoformat()
    else:
        expires_on = expires_in_days or ""
    before = count_rows()
    response = admin.post(
        f"/plans/{PLAN}/share-links",
        data={
            "csrf_token": csrf_token(admin, f"/plans/{PLAN}/share-links"),
            "label": label,
            "expires_on": expires_on,
        },
    )
    assert response.status_code == 400
    assert message in response.text
    assert "<title>Error: " in response.text
    assert 'class="govuk-error-summary' in response.text
    assert count_rows() == before


def test_a_link_may_expire_today_or_in_exactly_a_year(signed_in, db):
    admin = signed_in("administrator")
    for days in (0, 365):
        expires_on = (uk_today() + timedelta(days=days)).isoformat()
        response, token = make_link_through_the_form(admin, expires_on=expires_on)
        assert response.status_code == 200, response.text
        assert link_row(db, token)["expires_on"] == expires_on


def test_revoking_a_link_stops_it_at_once_and_is_audited(signed_in, db, client):
    admin = signed_in("administrator")
    _, token = make_link_through_the_form(admin)
    assert client.get(f"/shared/{token}").status_code == 200
    link_id = link_row(db, token)["id"]

    response = admin.post(
        f"/share-links/{link_id}/revoke",
        data={"csrf_token": csrf_token(admin, f"/plans/{PLAN}/share-links")},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{PLAN}/share-links"
    listing = admin.get(f"/plans/{PLAN}/share-links").text
    assert "is revoked: it no longer opens the plan" in listing
    assert "<strong>Revoked</strong>" in listing
    assert "Revoke<span" not in listing

    refused = client.get(f"/shared/{token}")
    assert refused.status_code == 404 and REFUSED in refused.text
    row = link_row(db, token)
    assert row["revoked_at"] and row["revoked_by"] == 1
    logged = db.execute(
        "SELECT user_id, action FROM audit_log WHERE table_name = 'share_links' AND row_id = ?"
        " ORDER BY id",
        [link_id],
    ).fetchall()
    assert logged == [(1, "insert"), (1, "update")]


def test_revoking_a_revoked_link_says_so_and_changes_nothing(signed_in, db):
    admin = signed_in("administrator")
    _, token = make_link_through_the_form(admin)
    link_id = link_row(db, token)["id"]
    form = {"csrf_token": csrf_token(admin, f"/plans/{PLAN}/share-links")}
    admin.post(f"/share-links/{link_id}/revoke", data=form)
    first = link_row(db, token)["revoked_at"]
    again = admin.post(f"/share-links/{link_id}/revoke", data=form, follow_redirects=True)
    assert "was already revoked" in again.text
    assert link_row(db, token)["revoked_at"] == first


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_administrators_make_and_revoke_links(signed_in, db, count_rows, role):
    token = a_link(db)
    link_id = link_row(db, token)["id"]
    client = signed_in(role)
    form = {"csrf_token": csrf_token(client, f"/plans/{PLAN}"), "label": "Mine"}
    before = count_rows()
    assert client.get(f"/plans/{PLAN}/share-links").status_code == 403
    assert client.post(f"/plans/{PLAN}/share-links", data=form).status_code == 403
    assert client.post(f"/share-links/{link_id}/revoke", data=form).status_code == 403
    assert count_rows() == before
    assert link_row(db, token)["revoked_at"] is None
    assert "Share links for the scrutiny panel" not in client.get(f"/plans/{PLAN}").text


def test_the_plan_page_links_to_the_published_view_and_the_share_links(signed_in):
    admin = signed_in("administrator").get(f"/plans/{PLAN}").text
    assert f'href="/plans/{PLAN}/published"' in admin
    assert f'href="/plans/{PLAN}/share-links"' in admin
    assert f'href="/plans/{PLAN}/published"' in signed_in("scrutiny").get(f"/plans/{PLAN}").text


def test_the_token_is_stored_only_as_its_hash(signed_in, db, database_path):
    _, token = make_link_through_the_form(signed_in("administrator"))
    for table in db.table_names():
        for column in db[table].columns_dict:
            # The table and column names are the schema's own.
            cast = f"CAST([{column}] AS TEXT)"
            holding = f"SELECT count(*) FROM [{table}] WHERE instr({cast}, ?)"  # noqa: S608
            found = db.execute(holding, [token]).fetchone()[0]
            assert found == 0, f"{table}.{column} holds the token"
    files = [database_path, database_path.with_name(database_path.name + "-wal")]
    for path in files:
        if path.exists():
            assert token.encode() not in path.read_bytes(), path
    audit = db.execute(
        "SELECT after FROM audit_log WHERE table_name = 'share_links' AND action = 'insert'"
    ).fetchone()[0]
    assert links.token_hash(token) in audit and token not in audit


# Share links: opening


def test_a_link_opens_the_published_view_without_an_account(db, client):
    token = a_link(db)
    response = client.get(f"/shared/{token}")
    assert response.status_code == 200
    page = response.text
    assert "North East Lincolnshire Youth Justice Services HMIP improvement plan" in page
    assert "Published progress as at 2022/23 Q3" in page
    assert PUBLISHED_TEXT in page and "27/36" in page
    assert 'id="history-10"' in page
    assert "<form" not in page
    assert "Sign out" not in page and "Sign in" not in page
    for href in re.findall(r'href="([^"]+)"', page):
        assert href.startswith(("#", "/static/", f"/shared/{token}")), href
    assert f'href="/shared/{token}/pack.pdf?quarter=2022/23+Q3"' in page
    assert f'href="/shared/{token}?quarter=2022/23+Q3"' in page


def test_share_pages_keep_the_token_private(db, client):
    token = a_link(db)
    for url in (f"/shared/{token}", f"/shared/{token}?quarter=2099/00+Q1", "/shared/nonsense"):
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store", url
        assert "noindex" in response.headers["X-Robots-Tag"], url
        assert "Set-Cookie" not in response.headers, url


def test_someone_signed_in_sees_a_share_page_as_anyone_would(signed_in, db):
    page = signed_in("administrator").get(f"/shared/{a_link(db)}").text
    assert "<form" not in page
    assert "app-header__user" not in page  # the administrator's name and sign-out button
    assert 'href="/"' not in page


def test_each_use_is_counted_with_when_it_was_last_used(signed_in, db, client):
    token = a_link(db)
    assert link_row(db, token)["last_used_at"] is None
    client.get(f"/shared/{token}")
    client.get(f"/shared/{token}?quarter={quote(LOCKED)}")
    row = link_row(db, token)
    assert row["use_count"] == 2
    used = datetime.fromisoformat(row["last_used_at"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - used) < timedelta(minutes=1)
    listing = signed_in("administrator").get(f"/plans/{PLAN}/share-links").text
    assert "Never" not in listing
    assert re.search(r'numeric">\s*2\s*</td>', listing)


def test_a_link_works_through_the_end_of_its_last_day(db, client):
    token = a_link(db, expires_on=uk_today())
    assert client.get(f"/shared/{token}").status_code == 200


def test_an_expired_link_is_refused(db, client):
    token = a_link(db)
    yesterday = (uk_today() - timedelta(days=1)).isoformat()
    db.execute(
        "UPDATE share_links SET expires_on = ? WHERE token_sha256 = ?",
        [yesterday, links.token_hash(token)],
    )
    for url in (f"/shared/{token}", f"/shared/{token}/pack.pdf?quarter={quote(LOCKED)}"):
        response = client.get(url)
        assert response.status_code == 404
        assert REFUSED in response.text
        assert "Ask the person who sent it for a new one" in response.text
    assert link_row(db, token)["use_count"] == 0


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # the right shape, but no such link
        "a" * 5000,
        "é" * 50,
        "' OR 1=1 --",
        "x' UNION SELECT token_sha256 FROM share_links --",
        "%00" + "a" * 43,
        "..%2F..%2Fplans%2F1",
        "tok en",
    ],
)
def test_unknown_and_malformed_tokens_are_refused_without_an_error(db, client, token):
    a_link(db)
    for suffix in ("", "/pack.pdf"):
        response = client.get(f"/shared/{quote(token, safe='%')}{suffix}")
        assert response.status_code == 404, (token, suffix)
        assert PUBLISHED_TEXT not in response.text


def test_the_uk_date_decides_when_a_link_stops_working():
    # 11:30pm on 30 June in UTC is already 1 July in the UK, in summer time.
    assert uk_today(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert uk_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)
    link = {"revoked_at": None, "expires_on": "2026-06-30"}
    assert links.status_of(link, date(2026, 6, 30)) == links.ACTIVE
    assert links.status_of(link, date(2026, 7, 1)) == links.EXPIRED
    assert links.status_of({**link, "revoked_at": "2026-06-01"}, date(2026, 6, 1)) == links.REVOKED


def test_every_post_from_a_share_link_visitor_is_refused_and_changes_nothing(app, db, client):
    token = a_link(db)
    assert client.get(f"/shared/{token}").status_code == 200
    before = everything_in(db)
    ids = {**DEMO_IDS, "token": token, "share_link_id": link_row(db, token)["id"]}
    urls = [
        re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m[1]]), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING or rule.endpoint.startswith("scrutiny.shared.")
    ]
    assert f"/shared/{token}" in urls and f"/plans/{PLAN}/share-links" in urls
    for url in urls:
        response = client.post(url, data={"label": "Changed", "expires_on": "2099-01-01"})
        assert response.status_code in (302, 400, 403, 404, 405), url
        assert everything_in(db) == before, url


def test_another_boards_plan_cannot_be_reached_through_a_link_or_by_id(signed_in, db, client):
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    plan_id = db["plans"].insert({"board_id": board_id, "title": "Another plan"}).last_pk
    db["recommendations"].insert(
        {
            "plan_id": plan_id,
            "number": 1,
            "text": "Secret recommendation",
            "position": 1,
            "origin": "local",
        }
    )
    quarter = {"plan_id": plan_id, "label": LOCKED, "starts_on": "2022-10-01"}
    db["quarters"].insert({**quarter, "ends_on": "2022-12-31", "locked_at": "2023-01-10"})
    other_token = a_link(db, plan_id=plan_id)
    other_link_id = link_row(db, other_token)["id"]
    ours = a_link(db)

    for role in ("administrator", "champion", "scrutiny"):
        member = signed_in(role)
        assert member.get(f"/plans/{plan_id}/published").status_code == 404
        assert member.get(f"/plans/{plan_id}/share-links").status_code == 404
        form = {"csrf_token": csrf_token(member, f"/plans/{PLAN}")}
        assert member.post(f"/share-links/{other_link_id}/revoke", data=form).status_code == 404
    assert link_row(db, other_token)["revoked_at"] is None
    # Our link opens our plan only, whatever is added to its address.
    for url in (f"/shared/{ours}?plan_id={plan_id}", f"/shared/{ours}?quarter={quote(LOCKED)}"):
        page = client.get(url).text
        assert "Secret recommendation" not in page and PUBLISHED_TEXT in page


def test_the_pack_downloads_through_a_link_the_same_each_time(db, client, signed_in):
    token = a_link(db)
    first = client.get(f"/shared/{token}/pack.pdf?quarter={quote(LOCKED)}")
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    assert first.headers["Content-Disposition"] == (
        'attachment; filename="scrutiny-pack-2022-23-q3.pdf"'
    )
    assert first.headers["Referrer-Policy"] == "no-referrer"
    second = client.get(f"/shared/{token}/pack.pdf")  # the latest published quarter
    assert second.data == first.data
    kept = db.execute("SELECT version, made_by FROM packs").fetchall()
    assert kept == [("scrutiny", None)]
    # The published view's link for someone signed in gives the same kept pack.
    member = signed_in("scrutiny")
    href = re.search(
        r'href="([^"]+)">Download the scrutiny pack', member.get(f"/plans/{PLAN}/published").text
    )[1]
    assert member.get(href.replace("&amp;", "&")).data == first.data
    assert client.get(f"/shared/{token}/pack.pdf?quarter={quote(OPEN)}").status_code == 404


def test_the_token_is_not_logged_even_when_a_page_fails(db, client, caplog):
    token = a_link(db)
    db.execute("DROP TABLE packs")  # the pack cannot be kept, so its download fails
    with caplog.at_level(logging.DEBUG):
        assert client.get(f"/shared/{token}").status_code == 200
        failed = client.get(f"/shared/{token}/pack.pdf")
        assert client.get("/shared/" + "B" * 43).status_code == 404
    assert failed.status_code == 500
    assert "Sorry, there is a problem with the tracker" in failed.text
    assert "Error on a share link page" in caplog.text
    assert token not in caplog.text


def test_signed_in_panel_members_see_no_open_quarter_update_on_any_page(signed_in, db):
    phrases = write_unpublished_updates(db)
    scrutiny, admin = signed_in("scrutiny"), signed_in("administrator")
    pages = ("/", f"/plans/{PLAN}", f"/plans/{PLAN}.json", "/recommendations/4")
    for path in pages:
        text = scrutiny.get(path).get_data(as_text=True)
        for phrase in phrases.values():
            assert phrase not in text, (path, phrase)
    # The administrator sees the approved update; once the quarter closes, so does the panel.
    assert phrases["approved"] in admin.get("/recommendations/4").text
    workflow.lock_quarter(db, PLAN, OPEN_ID, ADMIN)
    for path in pages[1:]:
        assert phrases["approved"] in scrutiny.get(path).get_data(as_text=True), path
