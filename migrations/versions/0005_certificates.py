"""certificates of completion (修了証): one per person and module, as issued

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:30:36.341137

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
# 0004 is being written on another branch; the chain is joined when both merge.
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_assessment', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_certificates_attempt_id_attempts')),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_certificates_module_id_modules')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_certificates_staff_id_staff')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    # One certificate per person and module; also what a concurrent issue conflicts on.
    sa.UniqueConstraint('user_id', 'module_id', name=op.f('uq_certificates_user_id_module_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_staff_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_module_id'))

    op.drop_table('certificates')
