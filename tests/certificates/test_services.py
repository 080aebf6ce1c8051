"""Completion, codes and issuing, without the web layer."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.certificates import services
from skillapp.certificates.models import Certificate
from skillapp.extensions import db
from skillapp.util.dates import parse_local_datetime
from tests.certificates.conftest import read_all
from tests.helpers import take


def test_codes_are_random_and_typed_leniently():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code) == 16 and set(code) <= set(services.CODE_ALPHABET)
    printed = services.format_code(code)
    assert printed.count("-") == 3
    assert services.normalize_code(printed) == code
    assert services.normalize_code(printed.lower()) == code
    assert services.normalize_code(" " + printed.replace("-", " ") + " ") == code
    full_width = printed.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert services.normalize_code(full_width) == code
    assert services.normalize_code("abcd-efgh-ijkl-mnop") == "ABCDEFGH1JK1MN0P"
    for bad in (None, "", "ABC", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRSU", "UUUU" * 4, "../x"):
        assert services.normalize_code(bad) is None


def test_not_complete_until_every_lesson_is_read_and_the_quiz_passed(course, learner):
    take(learner, course, "2026-06-01T10:00:00", right=3)
    assert services.completion_of(db.session, learner.id, course) is None  # lessons unread
    with pytest.raises(services.CertificateError):
        services.issue_certificate(db.session, learner, course)
    read_all(learner, course, "2026-06-03T09:00:00")
    completion = services.completion_of(db.session, learner.id, course)
    assert completion.attempt.score == 100
    # Complete when the last condition was met: the lessons, read after passing.
    assert completion.completed_at.date() == date(2026, 6, 3)


def test_failed_only_is_not_complete(course, learner):
    read_all(learner, course)
    take(learner, course, "2026-06-01T10:00:00", right=2)
    assert services.completion_of(db.session, learner.id, course) is None


def test_the_completion_day_is_a_day_in_japan(course, learner):
    read_all(learner, course, "2026-03-01T09:00:00")
    take(learner, course, "2026-03-31T23:30:00+09:00", right=3)  # 14:30 UTC
    result = services.issue_certificate(db.session, learner, course)
    assert result.certificate.completed_on == date(2026, 3, 31)


def test_issued_once_with_the_best_score_and_a_snapshot(completed):
    course, learner = completed
    first = services.issue_certificate(db.session, learner, course)
    db.session.commit()
    assert first.created
    cert = first.certificate
    assert cert.score == 100 and cert.completed_on == date(2026, 6, 2)
    assert cert.name == "髙橋 一郎" and cert.department == "総務部デジタル推進課"
    assert cert.title == "行動原則・マインドセット" and not cert.is_assessment
    assert cert.number.endswith(f"-{cert.id:06d}")
    again = services.issue_certificate(db.session, learner, course)
    assert not again.created and again.certificate.id == cert.id
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate_issued")
    ).all()
    assert len(events) == 1
    assert events[0].object_id == cert.number and events[0].actor_user_id == learner.id
    assert services.certificate_by_code(db.session, services.format_code(cert.code)) == cert
    assert services.certificate_by_code(db.session, "0000-0000-0000-0000") is None


def test_an_assessment_needs_a_pass_only(make_module, learner):
    exam = make_module("dx-literacy", kind="assessment", title="DXリテラシー確認テスト")
    take(learner, exam, "2026-07-01T10:00:00", right=2)
    assert services.completion_of(db.session, learner.id, exam) is None
    take(learner, exam, "2026-07-02T10:00:00", right=3)
    cert = services.issue_certificate(db.session, learner, exam).certificate
    assert cert.is_assessment and cert.completed_on == date(2026, 7, 2)


def test_the_number_is_the_fiscal_year_of_issue_and_the_id(make_module, learner):
    """「2026-000012」: the fiscal year of issue in Japan time, six digits of id;
    unique, and never changed by a later download."""
    first = make_module("m-one", title="一")
    second = make_module("m-two", title="二")
    for module in (first, second):
        read_all(learner, module, "2027-03-01T09:00:00")
        take(learner, module, "2027-03-02T10:00:00", right=3)
    # 23:59 JST on 31 March is still FY2026; a minute later is FY2027.
    one = services.issue_certificate(
        db.session, learner, first, now=parse_local_datetime("2027-03-31T23:59:00")
    ).certificate
    two = services.issue_certificate(
        db.session, learner, second, now=parse_local_datetime("2027-03-31T15:00:00Z")
    ).certificate
    db.session.commit()
    assert re.fullmatch(r"2026-\d{6}", one.number) and one.number == f"2026-{one.id:06d}"
    assert re.fullmatch(r"2027-\d{6}", two.number) and two.number == f"2027-{two.id:06d}"
    assert one.code != two.code
    again = services.issue_certificate(db.session, learner, first).certificate
    assert again.number == one.number
