"""progress on the roster: where each module_progress row's person stands on
the fiscal year's roster (on it and active, band, department), so that
completion by grade counts without joining the roster

Filled here from the history by the same definition as
skillapp.metrics.progress (the state in force on 31 March closing the year).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

YEAR_END = {
    'postgresql': "make_date(module_progress.fiscal_year + 1, 3, 31)",
    'sqlite': "printf('%04d-03-31', module_progress.fiscal_year + 1)",
}

STATE = """(SELECT h.{column} FROM staff_history h
    WHERE h.staff_id = module_progress.staff_id AND h.effective_from <= {day}
      AND (h.effective_to IS NULL OR h.effective_to > {day}))"""


def upgrade():
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_roster', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('band', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    day = YEAR_END.get(bind.dialect.name, YEAR_END['postgresql'])
    op.execute(sa.text(
        "UPDATE module_progress SET"
        f" on_roster = coalesce({STATE.format(column='is_active', day=day)}, false),"
        f" band = {STATE.format(column='band', day=day)},"
        f" department_id = {STATE.format(column='department_id', day=day)}"
    ))


def downgrade():
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_column('department_id')
        batch_op.drop_column('band')
        batch_op.drop_column('on_roster')
