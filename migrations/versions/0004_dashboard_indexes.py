"""dashboard indexes: attempts, lesson views; end dates of roster history rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:05:45.688272

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # A history row lasts until the next one of the same person begins; the
    # latest is open-ended (NULL). Kept up to date by roster.services.link_history.
    with op.batch_alter_table('staff_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_to', sa.Date(), nullable=True))
    op.execute(
        """
        UPDATE staff_history
        SET effective_to = (
            SELECT MIN(later.effective_from) FROM staff_history AS later
            WHERE later.staff_id = staff_history.staff_id
              AND later.effective_from > staff_history.effective_from
        )
        """
    )

    # One module's results in a fiscal year, and every module's passes in a
    # fiscal year, read from the index alone. The first makes the index on
    # module_id alone redundant.
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_module_id')
        batch_op.create_index('ix_attempts_module_results', ['module_id', 'status', 'submitted_at', 'user_id', 'score'], unique=False)
        batch_op.create_index('ix_attempts_year_results', ['status', 'submitted_at', 'module_id', 'user_id', 'score'], unique=False)

    # One module's lesson views, person by person.
    with op.batch_alter_table('lesson_views', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_views_module_user', ['module_id', 'user_id', 'lesson_key', 'viewed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('lesson_views', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_views_module_user')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_year_results')
        batch_op.drop_index('ix_attempts_module_results')
        batch_op.create_index('ix_attempts_module_id', ['module_id'], unique=False)

    with op.batch_alter_table('staff_history', schema=None) as batch_op:
        batch_op.drop_column('effective_to')
