"""What a champion types is never lost: it is kept as they type (a working copy, not a
revision), put back in the form when they come back, kept across signing in again when their
session ended (without JavaScript too), and removed when they save. Saves are bounded: a
limit on updates saved per hour, and on working copies kept per second."""

import html
import json
import re
from datetime import timedelta

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EMAIL_OF_ROLE, csrf_token, form_state
from tests.test_champion_form import checked_status, textarea
from tracker.audit import SYSTEM
from tracker.auth import accounts, two_factor_settings
from tracker.demo import DEMO_PASSWORD
from tracker.plan_changes import changes as plan_changes
from tracker.quarters import Quarter
from tracker.text import clean_text
from tracker.updates import workflow
from tracker.working_copies.copies import FIELDS

# The demo champion (user 2) champions recommendation 2, not 4; the demo's quarter is open.
CHAMPION, ADMINISTRATOR = 2, 1
HIS, NOT_HIS = 2, 4
QUARTER = "2022/23 Q4"
FORM = f"/recommendations/{HIS}/update"
KEEP = f"/recommendations/{HIS}/working-copy.json"
TYPED = {
    "status": "amber",
    "narrative": "Half way through the audit of <b>disproportionality</b>",
    "impact": "Two more panels",
    "next_steps": "",
    "corrective_action": "",
}


def quarter_id(db, label: str = QUARTER) -> int:
    return workflow.ensure_quarter(db, 1, Quarter.parse(label), SYSTEM)


def latest_revision(db, recommendation_id: int = HIS) -> int:
    found = workflow.latest_revision(db, recommendation_id, quarter_id(db))
    return found["revision"] if found else 0


def keep(client, body, path: str = KEEP, token: str | None = None, **options):
    """Send a working copy as static/js/autosave.js does: JSON, the CSRF token in a header."""
    headers = {"X-CSRFToken": token if token is not None else csrf_token(client, FORM)}
    if isinstance(body, (dict, list)):
        return client.post(path, json=body, headers=headers, **options)
    # Any other JSON value (true, null, 3) as JSON; text as it is, JSON or not.
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=text, headers=headers, content_type="application/json")


def copy_of(db, user_id: int = CHAMPION, recommendation_id: int = HIS) -> list[dict]:
    return list(
        db.query(
            "SELECT * FROM working_copies WHERE user_id = ? AND recommendation_id = ?",
            [user_id, recommendation_id],
        )
    )


def as_if_kept_a_while_ago(db) -> None:
    """Move every working copy back in time, as if the person had paused before typing on."""
    earlier = accounts.timestamp(accounts.now() - timedelta(minutes=5))
    db.execute("UPDATE working_copies SET saved_at = ?", [earlier])
    db.conn.commit()


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def champion(signed_in):
    """A client signed in as the demo champion."""
    return signed_in("champion")


def body_for(db, fields=None, **changes) -> dict:
    return {
        "quarter": QUARTER,
        "based_on": latest_revision(db),
        "fields": TYPED if fields is None else fields,
    } | changes


# ----- Keeping a copy as they type ----------------------------------------------------------


def test_a_copy_is_kept_as_one_row_that_each_later_copy_overwrites(signed_in, db):
    client = signed_in("champion")
    response = keep(client, body_for(db))
    assert response.status_code == 200, response.json
    assert response.json["kept"] is True
    assert response.json["message"].startswith("Saved as you type at ")
    assert 0 < response.json["session_ends_in"] <= 60 * 60
    [row] = copy_of(db)
    assert json.loads(row["fields"]) == TYPED
    assert (row["quarter_id"], row["based_on_revision"]) == (quarter_id(db), latest_revision(db))
    as_if_kept_a_while_ago(db)
    changed = TYPED | {"narrative": "The audit is finished"}
    assert keep(client, body_for(db, changed)).status_code == 200
    [row] = copy_of(db)
    assert json.loads(row["fields"])["narrative"] == "The audit is finished"
    assert (
        db["progress_updates"].count
        == db.execute("SELECT count(*) FROM progress_updates").fetchone()[0]
    )


def test_a_copy_is_not_a_revision(signed_in, db):
    before = db["progress_updates"].count
    assert keep(signed_in("champion"), body_for(db)).status_code == 200
    assert db["progress_updates"].count == before


def test_copies_kept_faster_than_one_a_second_are_refused_and_change_nothing(signed_in, db):
    client = signed_in("champion")
    assert keep(client, body_for(db)).status_code == 200
    [before] = copy_of(db)
    response = keep(client, body_for(db, TYPED | {"narrative": "Too soon"}))
    assert response.status_code == 429
    assert response.json["message"].startswith("Could not keep a copy: ")
    assert copy_of(db) == [before]


def test_a_champion_cannot_keep_a_copy_of_someone_elses_recommendation(signed_in, db):
    response = keep(
        signed_in("champion"), body_for(db), f"/recommendations/{NOT_HIS}/working-copy.json"
    )
    assert response.status_code == 403
    assert db["working_copies"].count == 0


def test_the_scrutiny_panel_cannot_keep_a_copy(signed_in, db):
    response = keep(
        signed_in("scrutiny"), body_for(db), token=csrf_token(signed_in("scrutiny"), "/plans/1")
    )
    assert response.status_code in (400, 403)
    assert db["working_copies"].count == 0


def test_an_administrator_keeps_their_own_copy(signed_in, db):
    assert keep(signed_in("administrator"), body_for(db)).status_code == 200
    assert [row["user_id"] for row in db["working_copies"].rows] == [ADMINISTRATOR]


def test_no_copy_is_kept_for_a_quarter_that_has_closed(signed_in, db):
    response = keep(signed_in("champion"), body_for(db, quarter="2022/23 Q3"))
    assert response.status_code == 409
    assert "closed" in response.json["message"]
    assert db["working_copies"].count == 0


def test_no_copy_is_kept_once_the_quarter_is_closed(signed_in, db):
    client = signed_in("champion")
    token = csrf_token(client, FORM)
    workflow.lock_quarter(db, 1, quarter_id(db), SYSTEM)
    response = keep(client, body_for(db), token=token)
    assert response.status_code == 409
    assert db["working_copies"].count == 0


def test_no_copy_is_kept_of_a_withdrawn_recommendation(signed_in, db):
    client = signed_in("champion")
    token = csrf_token(client, FORM)
    seen = plan_changes.recommendation_fingerprint(db["recommendations"].get(HIS))
    plan_changes.withdraw_recommendation(db, HIS, "Merged", seen, SYSTEM)
    response = keep(client, body_for(db), token=token)
    assert response.status_code == 409
    assert "withdrawn" in response.json["message"]
    assert db["working_copies"].count == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "[1, 2]",
        '"narrative"',
        "{}",
        {"quarter": QUARTER, "based_on": "3", "fields": TYPED},
        {"quarter": QUARTER, "based_on": True, "fields": TYPED},
        {"quarter": QUARTER, "based_on": -1, "fields": TYPED},
        {"quarter": QUARTER, "based_on": 2**70, "fields": TYPED},
        {"quarter": QUARTER, "based_on": 0, "fields": ["narrative"]},
        {"quarter": QUARTER, "based_on": 0, "fields": TYPED | {"narrative": 12}},
        {"quarter": QUARTER, "based_on": 0, "fields": TYPED | {"narrative": None}},
        {"quarter": QUARTER, "based_on": 0, "fields": TYPED | {"review_note": "Approved"}},
        {"quarter": QUARTER, "based_on": 0, "fields": TYPED | {"status": "purple"}},
        {"quarter": QUARTER, "based_on": 0, "fields": TYPED | {"impact": "x" * 20_001}},
        {"quarter": 2022, "based_on": 0, "fields": TYPED},
    ],
)
def test_what_is_not_the_forms_fields_or_more_than_the_form_takes_is_refused(signed_in, db, body):
    response = keep(signed_in("champion"), body)
    assert response.status_code in (400, 409)
    assert response.json["kept"] is False
    assert response.json["message"].startswith("Could not keep a copy: ")
    assert db["working_copies"].count == 0


def test_a_box_as_long_as_the_form_takes_is_kept(signed_in, db):
    fields = TYPED | {"impact": "x" * workflow.MAX_TEXT}
    assert keep(signed_in("champion"), body_for(db, fields)).status_code == 200
    assert len(json.loads(copy_of(db)[0]["fields"])["impact"]) == workflow.MAX_TEXT


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_without_the_csrf_token_nothing_is_kept(signed_in, db, token):
    response = keep(signed_in("champion"), body_for(db), token=token)
    assert response.status_code == 400
    assert response.is_json
    assert db["working_copies"].count == 0


def test_signed_out_nothing_is_kept(client, db):
    response = keep(client, body_for(db), token=csrf_token(client))
    assert response.status_code == 302
    assert db["working_copies"].count == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=8,
)
copies_sent = st.fixed_dictionaries(
    {
        "quarter": st.one_of(st.just(QUARTER), st.text(max_size=12), json_values),
        "based_on": st.one_of(st.integers(-5, 5), st.integers(), json_values),
        "fields": st.one_of(
            st.dictionaries(
                st.sampled_from([*FIELDS, "review_note", "state"]),
                st.one_of(
                    st.text(), st.sampled_from(["red", "amber", "green", "blue"]), json_values
                ),
            ),
            json_values,
        ),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(copies_sent, json_values, st.binary(max_size=200)))
def test_whatever_is_sent_a_copy_is_kept_as_sent_or_refused_changing_nothing(champion, db, body):
    as_if_kept_a_while_ago(db)
    before = copy_of(db)
    response = keep(champion, body if not isinstance(body, bytes) else body.decode("latin-1"))
    assert response.status_code < 500
    assert response.is_json
    if response.status_code == 200:
        [row] = copy_of(db)
        sent = {name: body["fields"].get(name, "") for name in FIELDS}
        assert json.loads(row["fields"]) == {
            name: clean_text(value) for name, value in sent.items()
        }
        assert row["based_on_revision"] == body["based_on"]
    else:
        assert response.json["kept"] is False
        assert copy_of(db) == before


# ----- Saving, coming back, discarding --------------------------------------------------------


def save(client, action: str = "draft", **fields):
    page = client.get(FORM).text
    data = {"csrf_token": csrf_token(client, FORM), **form_state(page), "action": action}
    return client.post(FORM, data=data | TYPED | fields)


def test_saving_the_update_removes_the_copy_but_not_another_persons(signed_in, db):
    champion, administrator = signed_in("champion"), signed_in("administrator")
    assert keep(administrator, body_for(db)).status_code == 200
    assert keep(champion, body_for(db)).status_code == 200
    assert save(champion).status_code == 302
    assert copy_of(db) == []
    assert len(copy_of(db, ADMINISTRATOR)) == 1


def test_a_copy_that_arrives_after_the_form_was_saved_is_not_kept(signed_in, db):
    client = signed_in("champion")
    typed_over = latest_revision(db)
    assert save(client).status_code == 302
    as_if_kept_a_while_ago(db)
    response = keep(client, body_for(db, based_on=typed_over))
    assert response.status_code == 409
    assert "you have saved this update since" in response.json["message"]
    assert copy_of(db) == []


def test_a_refused_save_keeps_the_copy(signed_in, db):
    client = signed_in("champion")
    assert keep(client, body_for(db)).status_code == 200
    assert save(client, narrative="").status_code == 400
    assert len(copy_of(db)) == 1


def test_the_form_is_filled_from_a_kept_copy_with_a_banner(signed_in, db):
    client = signed_in("champion")
    assert keep(client, body_for(db)).status_code == 200
    page = client.get(FORM)
    assert textarea(page, "narrative") == TYPED["narrative"]
    assert textarea(page, "impact") == TYPED["impact"]
    assert checked_status(page) == "amber"
    words = page_text(page)
    assert re.search(
        r"We kept what you were typing on \d+ \w+ \d{4} at [\d:]+[ap]m\. It is not saved yet\.",
        words,
    )
    assert "Discard it" in words
    assert "Someone saved this update" not in words
    assert form_state(page.text)["based_on"] == str(latest_revision(db))


def test_another_persons_copy_is_never_shown(signed_in, db):
    assert keep(signed_in("administrator"), body_for(db)).status_code == 200
    page = signed_in("champion").get(FORM)
    assert "We kept what you were typing" not in page_text(page)
    assert TYPED["narrative"] not in page_text(page)


def test_discarding_removes_the_copy_and_the_form_shows_the_last_save(signed_in, db):
    client = signed_in("champion")
    assert keep(client, body_for(db)).status_code == 200
    token = csrf_token(client, FORM)
    response = client.post(
        f"/recommendations/{HIS}/working-copy/discard", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert copy_of(db) == []
    page = client.get(response.headers["Location"])
    assert "has been discarded" in page_text(page)
    assert TYPED["narrative"] not in textarea(page, "narrative")


def test_discarding_needs_the_csrf_token_and_someone_who_may_edit(signed_in, db):
    client = signed_in("champion")
    assert keep(client, body_for(db)).status_code == 200
    assert client.post(f"/recommendations/{HIS}/working-copy/discard").status_code == 400
    scrutiny = signed_in("scrutiny")
    token = csrf_token(scrutiny, "/plans/1")
    assert (
        scrutiny.post(
            f"/recommendations/{HIS}/working-copy/discard", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert len(copy_of(db)) == 1


def test_a_copy_typed_over_a_revision_someone_has_since_replaced_says_so_and_keeps_both(
    signed_in, db
):
    client = signed_in("champion")
    typed_over = latest_revision(db)
    assert keep(client, body_for(db)).status_code == 200
    theirs = {"narrative": "The administrator's words", "status": "green"}
    workflow.save_update(db, HIS, quarter_id(db), theirs, typed_over, False, SYSTEM)
    page = client.get(FORM)
    words = page_text(page)
    assert "We kept what you were typing" in words
    assert "Someone saved this update (draft, revision" in words
    assert textarea(page, "narrative") == TYPED["narrative"]
    # The form names the revision the copy was typed over, so saving shows both.
    assert form_state(page.text)["based_on"] == str(typed_over)
    data = {"csrf_token": csrf_token(client, FORM), **form_state(page.text), "action": "draft"}
    response = client.post(FORM, data=data | TYPED)
    assert response.status_code == 409
    assert "The administrator&#39;s words" in response.text
    assert textarea(response, "narrative") == TYPED["narrative"]


def test_a_copy_holding_just_what_was_saved_is_not_offered(signed_in, db):
    client = signed_in("champion")
    assert save(client).status_code == 302
    same = {name: TYPED[name] for name in TYPED}
    assert keep(client, body_for(db, same)).status_code == 200
    assert "We kept what you were typing" not in page_text(client.get(FORM))


# ----- Saves per hour ---------------------------------------------------------------------


def test_saves_beyond_the_hourly_limit_are_refused_with_the_text_kept(app, signed_in, db):
    app.config["UPDATE_SAVES_PER_HOUR"] = 2
    client = signed_in("champion")
    assert save(client, narrative="First").status_code == 302
    assert save(client, narrative="Second").status_code == 302
    before = db["progress_updates"].count
    response = save(client, narrative="Third, refused")
    assert response.status_code == 429
    words = page_text(response)
    assert "There is a problem" in words
    assert "You have saved updates 2 times in the last hour" in words
    assert 'href="#update-form"' in response.text
    assert textarea(response, "narrative") == "Third, refused"
    assert db["progress_updates"].count == before


def test_the_hourly_limit_is_each_persons_and_copies_do_not_count(app, signed_in, db):
    app.config["UPDATE_SAVES_PER_HOUR"] = 1
    champion = signed_in("champion")
    for narrative in ("One", "Two", "Three"):
        assert keep(champion, body_for(db, TYPED | {"narrative": narrative})).status_code == 200
        as_if_kept_a_while_ago(db)
    assert save(champion, narrative="Saved once").status_code == 302
    administrator = signed_in("administrator")
    assert save(administrator, narrative="The administrator's save").status_code == 302


def test_saves_more_than_an_hour_ago_do_not_count(app, signed_in, db):
    app.config["UPDATE_SAVES_PER_HOUR"] = 1
    client = signed_in("champion")
    # A draft the champion saved an hour and a minute ago (revisions are only ever added).
    long_ago = accounts.timestamp(accounts.now() - timedelta(minutes=61))
    draft = {"recommendation_id": HIS, "quarter_id": quarter_id(db), "state": "draft"}
    revision = {"revision": latest_revision(db) + 1, "narrative": "Long ago"}
    db["progress_updates"].insert(
        draft | revision | {"author_id": CHAMPION, "created_at": long_ago}
    )
    db.conn.commit()
    assert workflow.saves_in_the_last_hour(db, CHAMPION) == 0
    assert save(client, narrative="Within the hour").status_code == 302
    assert workflow.saves_in_the_last_hour(db, CHAMPION) == 1
    assert save(client, narrative="One too many").status_code == 429


# ----- Signing in again keeps the text, without JavaScript --------------------------------


def end_sessions(db, user_id: int = CHAMPION) -> None:
    """Make the user's sessions idle for longer than the timeout, as if they had gone away."""
    long_ago = accounts.timestamp(accounts.now() - timedelta(hours=3))
    db.execute("UPDATE sessions SET last_used_at = ? WHERE user_id = ?", [long_ago, user_id])
    db.conn.commit()


def send_form_after_session_ended(client, db, recommendation_id: int = HIS, **fields):
    path = f"/recommendations/{recommendation_id}/update"
    page = client.get(path).text
    data = {"csrf_token": csrf_token(client, path), **form_state(page), "action": "submit"}
    end_sessions(db)
    return client.post(path, data=data | TYPED | fields)


def hidden_fields(page: str) -> dict[str, str]:
    """The page's hidden fields (the CSRF token and the text carried), as a browser sends them."""
    found = re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page)
    found += re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {html.unescape(name): html.unescape(value) for name, value in found}


def sign_in_again(client, page: str, email: str = EMAIL_OF_ROLE["champion"]):
    # The sign-in page shown in answer to the update form names where it posts; shown again
    # after a wrong password it posts where it was sent.
    found = re.search(r'<form method="post" novalidate action="([^"]+)"', page)
    action = html.unescape(found[1]) if found else f"/sign-in?next={FORM}"
    data = hidden_fields(page) | {"email": email, "password": DEMO_PASSWORD}
    return client.post(action, data=data)


def test_a_form_sent_after_the_session_ended_keeps_its_text_through_signing_in(signed_in, db):
    client = signed_in("champion")
    updates_before = db["progress_updates"].count
    response = send_form_after_session_ended(client, db)
    assert response.status_code == 200
    words = page_text(response)
    assert "You were signed out, so your update has not been saved yet." in words
    assert "Sign in" in words
    carried = hidden_fields(response.text)
    assert carried["kept-narrative"] == TYPED["narrative"]
    assert carried["kept-recommendation"] == str(HIS)
    # Nothing is stored for a request no one is signed in for.
    assert db["working_copies"].count == 0
    assert db["progress_updates"].count == updates_before
    signed_in_again = sign_in_again(client, response.text)
    assert signed_in_again.status_code == 302
    assert signed_in_again.headers["Location"] == FORM
    [row] = copy_of(db)
    assert json.loads(row["fields"])["narrative"] == TYPED["narrative"]
    form = client.get(FORM)
    assert textarea(form, "narrative") == TYPED["narrative"]
    assert "It is not saved yet." in page_text(form)
    assert db["progress_updates"].count == updates_before


def test_a_wrong_password_keeps_carrying_the_text(signed_in, db):
    client = signed_in("champion")
    response = send_form_after_session_ended(client, db)
    action = html.unescape(
        re.search(r'<form method="post" novalidate action="([^"]+)"', response.text)[1]
    )
    wrong = client.post(
        action,
        data=hidden_fields(response.text)
        | {"email": EMAIL_OF_ROLE["champion"], "password": "wrong password"},
    )
    assert wrong.status_code == 400
    assert hidden_fields(wrong.text)["kept-narrative"] == TYPED["narrative"]
    assert db["working_copies"].count == 0
    assert sign_in_again(client, wrong.text).headers["Location"] == FORM
    assert len(copy_of(db)) == 1


def test_text_carried_through_sign_in_becomes_only_the_signed_in_persons_copy(signed_in, db):
    client = signed_in("champion")
    response = send_form_after_session_ended(client, db)
    # Someone else signs in at the same browser: it is their copy, on an update they may edit.
    assert sign_in_again(client, response.text, EMAIL_OF_ROLE["administrator"]).status_code == 302
    assert copy_of(db) == []
    assert len(copy_of(db, ADMINISTRATOR)) == 1


def test_text_carried_through_sign_in_cannot_be_aimed_at_an_update_they_may_not_edit(client, db):
    page = client.get("/sign-in").text
    planted = {
        "csrf_token": csrf_token(client),
        "email": EMAIL_OF_ROLE["champion"],
        "password": DEMO_PASSWORD,
        "kept-recommendation": str(NOT_HIS),
        "kept-quarter": QUARTER,
        "kept-based_on": "0",
        "kept-narrative": "Planted words",
    }
    assert "kept-" not in page
    response = client.post(f"/sign-in?next=/recommendations/{NOT_HIS}/update", data=planted)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/recommendations/{NOT_HIS}/update"
    assert db["working_copies"].count == 0
    assert "could not be kept: you cannot change this update" in page_text(client.get("/"))


@pytest.mark.parametrize("recommendation", ["999", "x", "", "1/../4"])
def test_text_carried_for_no_such_update_is_not_kept_and_goes_nowhere_else(
    client, db, recommendation
):
    data = {
        "csrf_token": csrf_token(client),
        "email": EMAIL_OF_ROLE["champion"],
        "password": DEMO_PASSWORD,
        "kept-recommendation": recommendation,
        "kept-quarter": QUARTER,
        "kept-narrative": "Words",
    }
    response = client.post("/sign-in?next=//evil.example/", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert db["working_copies"].count == 0


def test_text_typed_for_a_quarter_closed_since_is_not_filed_under_the_next(signed_in, db):
    client = signed_in("champion")
    response = send_form_after_session_ended(client, db)
    workflow.lock_quarter(db, 1, quarter_id(db), SYSTEM)
    landed = sign_in_again(client, response.text)
    assert db["working_copies"].count == 0
    assert "could not be kept: the quarter this form was opened for has closed" in page_text(
        client.get(landed.headers["Location"])
    )


def test_with_two_factor_sign_in_the_text_is_carried_through_the_code_page(signed_in, db):
    keys = two_factor_settings.Keys("test-secret")
    secret = two_factor_settings.start_set_up(db, CHAMPION, keys)
    codes = two_factor_settings.confirm_set_up(db, CHAMPION, pyotp.TOTP(secret).now(), keys, SYSTEM)
    client = signed_in("champion")
    assert (
        client.post(
            "/sign-in/code",
            data={"csrf_token": csrf_token(client, "/sign-in/code"), "code": codes[0]},
        ).status_code
        == 302
    )
    response = send_form_after_session_ended(client, db)
    code_page = sign_in_again(client, response.text)
    assert code_page.status_code == 200
    assert "Enter the code from your app" in page_text(code_page)
    assert hidden_fields(code_page.text)["kept-narrative"] == TYPED["narrative"]
    # Only the password so far: nothing is kept until the code is right.
    assert db["working_copies"].count == 0
    wrong = client.post("/sign-in/code", data=hidden_fields(code_page.text) | {"code": "000000"})
    assert wrong.status_code == 400
    assert "The code is not right" in page_text(wrong)
    assert db["working_copies"].count == 0
    right = client.post("/sign-in/code", data=hidden_fields(wrong.text) | {"code": codes[1]})
    assert right.headers["Location"] == FORM
    assert json.loads(copy_of(db)[0]["fields"])["narrative"] == TYPED["narrative"]


# ----- The timeout warning ------------------------------------------------------------------


def test_the_form_says_when_the_session_ends_and_when_to_warn(app, signed_in):
    app.config["SESSION_WARNING_SECONDS"] = 90
    page = signed_in("champion").get(FORM).text
    ends_in = int(re.search(r'data-session-ends-in="(\d+)"', page)[1])
    assert 60 * 60 - 5 <= ends_in <= 60 * 60
    assert 'data-warn-before="90"' in page
    assert "You will be signed out in 2 minutes." in page
    assert "We will keep what you have typed." in page


def test_a_session_used_a_while_ago_has_less_time_left(signed_in, db):
    client = signed_in("champion")
    a_while_ago = accounts.timestamp(accounts.now() - timedelta(minutes=20))
    db.execute("UPDATE sessions SET last_used_at = ? WHERE user_id = ?", [a_while_ago, CHAMPION])
    db.conn.commit()
    page = client.get(FORM).text
    # Reading the page counts as using the session again (to within a minute).
    assert int(re.search(r'data-session-ends-in="(\d+)"', page)[1]) >= 60 * 60 - 5
    db.execute(
        "UPDATE sessions SET last_used_at = ? WHERE user_id = ?",
        [accounts.timestamp(accounts.now() - timedelta(seconds=50)), CHAMPION],
    )
    db.conn.commit()
    page = client.get(FORM).text
    assert 60 * 60 - 60 <= int(re.search(r'data-session-ends-in="(\d+)"', page)[1]) <= 60 * 60 - 45


def test_staying_signed_in_counts_the_session_as_used_now(signed_in, db):
    client = signed_in("champion")
    token = csrf_token(client, FORM)
    a_while_ago = accounts.timestamp(accounts.now() - timedelta(seconds=50))
    db.execute("UPDATE sessions SET last_used_at = ? WHERE user_id = ?", [a_while_ago, CHAMPION])
    db.conn.commit()
    response = client.post("/session/stay-signed-in", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.json["session_ends_in"] >= 60 * 60 - 2
    [last_used] = [
        row["last_used_at"] for row in db["sessions"].rows_where("user_id = ?", [CHAMPION])
    ]
    assert last_used > a_while_ago


def test_staying_signed_in_needs_the_csrf_token_and_a_session(signed_in, client):
    assert signed_in("champion").post("/session/stay-signed-in").status_code == 400
    response = client.post("/session/stay-signed-in", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
