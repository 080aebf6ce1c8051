"""Helpers shared by tests: submitting attempts at a given moment, small question banks."""

from skillapp.assessment import services
from skillapp.assessment.models import Attempt, Question
from skillapp.extensions import db
from skillapp.util.dates import parse_local_datetime


def take(user, module, when: str, *, right: int) -> Attempt:
    """Submit an attempt at ``when`` (Japan time unless it says otherwise) with
    the first ``right`` questions answered correctly."""
    at = parse_local_datetime(when)
    attempt = services.start_attempt(db.session, user.id, module, now=at)
    questions = {
        q.id: q for q in db.session.query(Question).filter(Question.id.in_(attempt.question_ids))
    }
    sheet = {}
    for n, qid in enumerate(attempt.question_ids):
        q = questions[qid]
        wrong = next(o["key"] for o in q.options if o["key"] not in q.correct_keys)
        sheet[qid] = list(q.correct_keys) if n < right else [wrong]
    services.submit_attempt(db.session, attempt.id, user.id, answers=sheet, now=at)
    db.session.commit()
    return db.session.get(Attempt, attempt.id)


def two_choice_questions(n: int = 10) -> list[dict]:
    """``n`` single-choice questions, each worth the same: ``right`` of 10 scores right×10."""
    return [
        {
            "id": f"q{i}",
            "type": "single",
            "text": f"問{i}",
            "explanation": "解説",
            "options": [{"id": "a", "text": "正", "correct": True}, {"id": "b", "text": "誤"}],
        }
        for i in range(1, n + 1)
    ]
