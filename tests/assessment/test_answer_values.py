"""Answer values a browser never sends, sent anyway: the JSON save, the form
save and the submit refuse them (400) or ignore them as stray fields, never 500.

``²`` and ``³`` pass ``str.isdigit()`` but not ``int()``; a position of 5,000
digits passes ``isdigit()`` but exceeds ``int()``'s digit limit."""

import pytest
from sqlalchemy import select

from skillapp.assessment import services
from skillapp.assessment.models import Attempt, AttemptAnswer
from skillapp.extensions import db

# Values that are not a 1-based position as the page sends it.
BAD_VALUES = ["²", "³", "١", "0", "01", "-1", "+1", " 1", "1 ", "9" * 5000, ""]
# Field names that are not q-<question id>.
BAD_NAMES = ["q-²", "q-³", "q-" + "9" * 5000, "q-0", "q--1"]


@pytest.fixture
def open_attempt(app, make_user, make_module, client, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is the 500 a browser would see
    user = make_user()
    module = make_module()
    attempt = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    login(user)
    return attempt


def _saved(attempt_id):
    return db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
    ).all()


def test_json_save_refuses_a_value_that_is_not_a_position(client, open_attempt):
    qid = open_attempt.question_ids[0]
    for value in BAD_VALUES:
        response = client.post(
            f"/attempts/{open_attempt.id}/answers", json={"question_id": qid, "selected": [value]}
        )
        assert response.status_code == 400, (value[:10], response.status_code)
        assert response.get_json()["ok"] is False
    assert _saved(open_attempt.id) == []


MALFORMED = [
    [1, 2],  # not an object
    "1",
    {"question_id": "²", "selected": ["1"]},
    {"question_id": "9" * 5000, "selected": ["1"]},
    {"question_id": 2**70, "selected": ["1"]},
    {"question_id": None, "selected": ["1"]},
    {"question_id": True, "selected": ["1"]},
    {"question_id": 1.5, "selected": ["1"]},
    {"question_id": "QID", "selected": "1"},  # selected must be a list
    {"question_id": "QID", "selected": 1},
    {"question_id": "QID", "selected": [["1"]]},
    {"question_id": "QID", "selected": [{"a": 1}]},
]


def test_json_save_refuses_malformed_payloads(client, open_attempt):
    for payload in MALFORMED:
        if isinstance(payload, dict) and payload["question_id"] == "QID":
            payload = {**payload, "question_id": open_attempt.question_ids[0]}
        response = client.post(f"/attempts/{open_attempt.id}/answers", json=payload)
        assert response.status_code == 400, (str(payload)[:40], response.status_code)
    assert _saved(open_attempt.id) == []


def test_json_save_still_takes_a_position(client, open_attempt):
    qid = open_attempt.question_ids[0]
    for selected in (["1"], [1], ["2"]):
        response = client.post(
            f"/attempts/{open_attempt.id}/answers", json={"question_id": qid, "selected": selected}
        )
        assert response.status_code == 200 and response.get_json()["ok"]
    (answer,) = _saved(open_attempt.id)
    assert answer.selected == [open_attempt.option_orders[str(qid)][1]]


def test_form_save_ignores_a_value_that_is_not_a_position(client, open_attempt):
    first, second = open_attempt.question_ids[:2]
    for value in BAD_VALUES:
        response = client.post(
            f"/attempts/{open_attempt.id}/answers", data={f"q-{first}": value, f"q-{second}": "1"}
        )
        assert response.status_code == 302, (value[:10], response.status_code)
    # The stray value is ignored; the rest of the sheet is saved.
    assert {a.question_id for a in _saved(open_attempt.id)} == {second}


def test_form_save_ignores_a_field_that_names_no_question(client, open_attempt):
    second = open_attempt.question_ids[1]
    for name in BAD_NAMES:
        response = client.post(
            f"/attempts/{open_attempt.id}/answers", data={name: "1", f"q-{second}": "1"}
        )
        assert response.status_code == 302, (name[:10], response.status_code)
    assert {a.question_id for a in _saved(open_attempt.id)} == {second}


@pytest.mark.parametrize(("name", "value"), [("q-{qid}", "²"), ("q-²", "1"), ("q-{qid}", "³")])
def test_submit_ignores_unparseable_values_and_scores_the_rest(client, open_attempt, name, value):
    first, second = open_attempt.question_ids[:2]
    response = client.post(
        f"/attempts/{open_attempt.id}/submit",
        data={name.format(qid=first): value, f"q-{second}": "1"},
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/attempts/{open_attempt.id}/result")
    attempt = db.session.get(Attempt, open_attempt.id)
    assert attempt.status == "submitted"
    # Submitting records every question; only the parseable answer was taken.
    assert {a.question_id for a in _saved(open_attempt.id) if a.selected} == {second}


def test_positions_are_parsed_strictly():
    parse = services.parse_position
    assert [parse(v) for v in ("1", "9", "10", 3)] == [1, 9, 10, 3]
    for value in (*BAD_VALUES, None, True, 1.0, [], "1.0", "1e3"):
        assert parse(value) is None, value


def test_the_editor_ignores_an_unparseable_option_count(app, client, login, make_user):
    """The question editor's hidden option count: the same class of value."""
    from tests.authoring.editing import new_module

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(make_user(roles=["author"]))
    assert new_module(client).status_code == 302
    for count in ("²", "9" * 5000, "-1", "x"):
        response = client.post(
            "/authoring/modules/data-basics/new-question",
            data={"key": "q-01", "type": "single", "text": "問い", "option_count": count},
        )
        # Saved with no options (the form then asks for them) or shown again: no 500.
        assert response.status_code in (200, 302, 422), (count[:10], response.status_code)
