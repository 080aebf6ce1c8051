"""test validity and the city profile: question groups, a yearly attempt limit,
per-tag draw counts,
HR's retake rules per test (attempt_rules), the review rule each attempt
started under, and the city profile behind the content placeholders

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_key', sa.String(length=100), nullable=True))
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_attempts_per_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stratify_counts', sa.JSON(), nullable=True))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_answers', sa.String(length=20), nullable=True))
    op.create_table(
        'attempt_rules',
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('review_answers', sa.String(length=20), nullable=False),
        sa.Column('cooldown_minutes', sa.Integer(), nullable=True),
        sa.Column('max_attempts_per_year', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_attempt_rules_module_id_modules'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_attempt_rules_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('module_id', name=op.f('pk_attempt_rules')),
    )
    op.create_table(
        'city_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=True),
        sa.Column('guideline', sa.String(length=200), nullable=True),
        sa.Column('plan', sa.String(length=200), nullable=True),
        sa.Column('principles', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_city_profile_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_city_profile')),
    )


def downgrade():
    op.drop_table('city_profile')
    op.drop_table('attempt_rules')
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop
    # and rebuild tables that attempt_answers and others refer to.
    op.drop_column('attempts', 'review_answers')
    op.drop_column('module_versions', 'stratify_counts')
    op.drop_column('module_versions', 'max_attempts_per_year')
    op.drop_column('questions', 'group_key')
