"""progress: module_progress, each person's best score, first pass and reading of
every lesson per module and fiscal year, kept by the services for the dashboards

Filled here from the attempts, imported results and lesson views already
recorded, by the same definition as skillapp.metrics.progress.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FISCAL_YEAR = {
    # April–March in Japan time (UTC+9, no summer time) of a UTC timestamp.
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
        UNION ALL
        SELECT e.module_id, u.id, e.score, e.taken_at
        FROM external_results e JOIN users u ON u.staff_id = e.staff_id
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


def upgrade():
    # Indexes no query reads, written 100,000 times by each roster import.
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_band')
        batch_op.drop_index('ix_staff_department_id')
    with op.batch_alter_table('staff_history', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_history_effective_from')

    op.create_table('module_progress',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Float(), nullable=False),
    sa.Column('first_passed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_all_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_progress_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_module_progress_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_module_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'module_id', 'fiscal_year', name=op.f('pk_module_progress'))
    )
    bind = op.get_bind()
    year = FISCAL_YEAR.get(bind.dialect.name, FISCAL_YEAR['postgresql']).format('s.at')
    op.execute(sa.text(FILL.format(year=year)))
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.create_index('ix_module_progress_year', ['fiscal_year', 'module_id', 'user_id', 'best_score', 'first_passed_at', 'read_all_at'], unique=False)


def downgrade():
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_module_progress_year')

    op.drop_table('module_progress')
    with op.batch_alter_table('staff_history', schema=None) as batch_op:
        batch_op.create_index('ix_staff_history_effective_from', ['effective_from'], unique=False)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index('ix_staff_department_id', ['department_id'], unique=False)
        batch_op.create_index('ix_staff_band', ['band'], unique=False)
