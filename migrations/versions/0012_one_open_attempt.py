"""one open attempt per person and test: a partial unique index on
attempts (user_id, module_id) WHERE status = 'in_progress'

Racing "start" requests could open several attempts of one test for one
person. Before the index is made, each such set keeps open the attempt worked
on last (its latest saved answer, else the latest started), and the others are
closed as they stood: scored like a submission (skillapp.assessment.scoring),
submitted at their last saved answer (at most their deadline), each closing
written to the audit log (attempt_submitted, reason duplicate_open_attempt).
Nothing is deleted. The
module_progress rows of those people and tests are then recomputed by the
definition of 0009 and 0010. The downgrade drops the index only: the closed
attempts stay closed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:00:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

WHERE_OPEN = "status = 'in_progress'"
PASS_MARK = 70

attempts = sa.table(
    'attempts',
    sa.column('id', sa.Integer),
    sa.column('user_id', sa.Integer),
    sa.column('module_id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('started_at', sa.DateTime(timezone=True)),
    sa.column('deadline_at', sa.DateTime(timezone=True)),
    sa.column('submitted_at', sa.DateTime(timezone=True)),
    sa.column('question_ids', sa.JSON),
    sa.column('earned_weight', sa.Integer),
    sa.column('total_weight', sa.Integer),
    sa.column('score', sa.Integer),
    sa.column('passed', sa.Boolean),
    sa.column('timed_out', sa.Boolean),
)
answers = sa.table(
    'attempt_answers',
    sa.column('attempt_id', sa.Integer),
    sa.column('question_id', sa.Integer),
    sa.column('selected', sa.JSON),
    sa.column('saved_at', sa.DateTime(timezone=True)),
    sa.column('is_correct', sa.Boolean),
)
questions = sa.table(
    'questions',
    sa.column('id', sa.Integer),
    sa.column('weight', sa.Integer),
    sa.column('correct_keys', sa.JSON),
)
audit_events = sa.table(
    'audit_events',
    sa.column('at', sa.DateTime(timezone=True)),
    sa.column('actor_user_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.String),
    sa.column('ip', sa.String),
    sa.column('detail', sa.JSON),
)

# module_progress for one (user, module), as 0009 fills it and 0010 places it
# on each year's roster.
FISCAL_YEAR = {
    'postgresql': "CAST(date_part('year', timezone('Asia/Tokyo', {0}) - interval '3 months') AS INTEGER)",
    'sqlite': "CAST(strftime('%Y', {0}, '+9 hours', '-3 months') AS INTEGER)",
}
FILL = """
INSERT INTO module_progress
    (user_id, module_id, fiscal_year, staff_id, best_score, first_passed_at, read_all_at)
SELECT r.user_id, r.module_id, r.fiscal_year, ru.staff_id, r.best_score, r.first_passed_at,
       CASE WHEN v.n = c.n THEN v.last END
FROM (
    SELECT s.module_id, s.user_id, {year} AS fiscal_year,
           max(s.score) AS best_score,
           min(CASE WHEN s.score >= 70 THEN s.at END) AS first_passed_at
    FROM (
        SELECT a.module_id, a.user_id, CAST(a.score AS FLOAT) AS score, a.submitted_at AS at
        FROM attempts a WHERE a.status = 'submitted'
            AND a.user_id = :user_id AND a.module_id = :module_id
        UNION ALL
        SELECT e.module_id, u.id, e.score, e.taken_at
        FROM external_results e JOIN users u ON u.staff_id = e.staff_id
        WHERE u.id = :user_id AND e.module_id = :module_id
    ) s
    GROUP BY s.module_id, s.user_id, {year}
) r
JOIN users ru ON ru.id = r.user_id
LEFT JOIN (
    SELECT lv.module_id, lv.user_id, count(*) AS n, max(lv.viewed_at) AS last
    FROM lesson_views lv
    JOIN modules m ON m.id = lv.module_id
    JOIN lessons l ON l.version_id = m.current_version_id AND l.key = lv.lesson_key
    WHERE m.kind = 'module'
    GROUP BY lv.module_id, lv.user_id
) v ON v.module_id = r.module_id AND v.user_id = r.user_id
LEFT JOIN (
    SELECT m.id AS module_id, count(*) AS n
    FROM modules m JOIN lessons l ON l.version_id = m.current_version_id
    WHERE m.kind = 'module'
    GROUP BY m.id
) c ON c.module_id = r.module_id
"""
YEAR_END = {
    'postgresql': 'make_date(module_progress.fiscal_year + 1, 3, 31)',
    'sqlite': "printf('%04d-03-31', module_progress.fiscal_year + 1)",
}
STATE = """(SELECT h.{column} FROM staff_history h
    WHERE h.staff_id = module_progress.staff_id AND h.effective_from <= {day}
      AND (h.effective_to IS NULL OR h.effective_to > {day}))"""


def _aware(value):
    if value is not None and value.tzinfo is None:  # SQLite keeps UTC without an offset
        return value.replace(tzinfo=UTC)
    return value


def _close(bind, attempt, now):
    """Score an open attempt as its sheet stands and close it, as a submission would."""
    sheet = {
        row.question_id: row
        for row in bind.execute(sa.select(answers).where(answers.c.attempt_id == attempt.id))
    }
    key = {
        row.id: row
        for row in bind.execute(
            sa.select(questions).where(questions.c.id.in_(attempt.question_ids or []))
        )
    }
    last = max([_aware(row.saved_at) for row in sheet.values()] or [_aware(attempt.started_at)])
    deadline = _aware(attempt.deadline_at)
    closed_at = min(last, deadline) if deadline is not None else last
    earned = total = 0
    for question_id in attempt.question_ids or []:
        question = key.get(question_id)
        if question is None:
            continue
        total += question.weight
        answer = sheet.get(question_id)
        ok = answer is not None and set(answer.selected or []) == set(question.correct_keys or [])
        earned += question.weight if ok else 0
        if answer is not None:
            bind.execute(
                answers.update()
                .where(answers.c.attempt_id == attempt.id, answers.c.question_id == question_id)
                .values(is_correct=ok)
            )
        else:
            bind.execute(
                answers.insert().values(
                    attempt_id=attempt.id,
                    question_id=question_id,
                    selected=[],
                    saved_at=closed_at,
                    is_correct=False,
                )
            )
    score = (100 * earned) // total if total else 0
    bind.execute(
        attempts.update()
        .where(attempts.c.id == attempt.id, attempts.c.status == 'in_progress')
        .values(
            status='submitted',
            submitted_at=closed_at,
            earned_weight=earned,
            total_weight=total,
            score=score,
            passed=score >= PASS_MARK,
            timed_out=False,
        )
    )
    bind.execute(
        audit_events.insert().values(
            at=now,
            actor_user_id=None,
            action='attempt_submitted',
            object_type='attempt',
            object_id=str(attempt.id),
            ip='',
            detail={
                'score': score,
                'passed': score >= PASS_MARK,
                'late': False,
                'reason': 'duplicate_open_attempt',
            },
        )
    )


def _refresh_progress(bind, user_id, module_id):
    dialect = bind.dialect.name
    params = {'user_id': user_id, 'module_id': module_id}
    bind.execute(
        sa.text('DELETE FROM module_progress WHERE user_id = :user_id AND module_id = :module_id'),
        params,
    )
    year = FISCAL_YEAR.get(dialect, FISCAL_YEAR['postgresql']).format('s.at')
    bind.execute(sa.text(FILL.format(year=year)), params)
    day = YEAR_END.get(dialect, YEAR_END['postgresql'])
    bind.execute(
        sa.text(
            'UPDATE module_progress SET'
            f" on_roster = coalesce({STATE.format(column='is_active', day=day)}, false),"
            f" band = {STATE.format(column='band', day=day)},"
            f" department_id = {STATE.format(column='department_id', day=day)}"
            ' WHERE user_id = :user_id AND module_id = :module_id'
        ),
        params,
    )


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    twins = bind.execute(
        sa.select(attempts.c.user_id, attempts.c.module_id)
        .where(attempts.c.status == 'in_progress')
        .group_by(attempts.c.user_id, attempts.c.module_id)
        .having(sa.func.count() > 1)
    ).all()
    for user_id, module_id in twins:
        last_saved = (
            sa.select(sa.func.max(answers.c.saved_at))
            .where(answers.c.attempt_id == attempts.c.id)
            .scalar_subquery()
        )
        rows = bind.execute(
            sa.select(attempts, last_saved.label('last_saved')).where(
                attempts.c.user_id == user_id,
                attempts.c.module_id == module_id,
                attempts.c.status == 'in_progress',
            )
        ).all()
        # Kept open: the one worked on last (then the one started last).
        keep = max(
            rows, key=lambda r: (_aware(r.last_saved or r.started_at), _aware(r.started_at), r.id)
        )
        for row in rows:
            if row.id != keep.id:
                _close(bind, row, now)
        _refresh_progress(bind, user_id, module_id)
    op.create_index(
        'uq_attempts_one_open',
        'attempts',
        ['user_id', 'module_id'],
        unique=True,
        sqlite_where=sa.text(WHERE_OPEN),
        postgresql_where=sa.text(WHERE_OPEN),
    )


def downgrade():
    # The attempts closed by the upgrade stay closed: they were scored as they stood.
    op.drop_index('uq_attempts_one_open', table_name='attempts')
