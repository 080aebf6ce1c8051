import pytest
from sqlalchemy import update

from skillapp.extensions import db
from skillapp.learning.models import LessonView
from skillapp.learning.services import record_lesson_view
from skillapp.util.dates import parse_local_datetime
from tests.helpers import take


def read_all(user, module, when: str = "2026-05-20T09:00:00"):
    """Read every lesson of the module, at ``when``."""
    for lesson in module.current_version.lessons:
        record_lesson_view(db.session, user.id, module, lesson.key)
    db.session.execute(
        update(LessonView)
        .where(LessonView.user_id == user.id, LessonView.module_id == module.id)
        .values(viewed_at=parse_local_datetime(when))
    )
    db.session.commit()


@pytest.fixture
def course(make_module):
    """A module of two lessons and three questions (pass: 3 right = 100, 2 = 66)."""
    return make_module("dx-mindset", title="行動原則・マインドセット")


@pytest.fixture
def learner(make_user):
    return make_user("L0001", name="髙橋 一郎", department="総務部デジタル推進課")


@pytest.fixture
def completed(course, learner):
    """The learner has read every lesson and passed with 100."""
    read_all(learner, course)
    take(learner, course, "2026-06-01T10:00:00", right=2)
    take(learner, course, "2026-06-02T10:00:00", right=3)
    return course, learner
