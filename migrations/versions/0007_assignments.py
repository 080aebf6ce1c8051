"""assignments: a module or assessment required of everyone, of job grades or of departments, by a due date

Who is assigned is not stored (it follows the current roster), only the target:
the job grades in assignment_bands, the departments in assignment_departments.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:13:13.703912

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_assignments_module_id_modules')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_assignments_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_module_id'), ['module_id'], unique=False)

    op.create_table('assignment_bands',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_bands_assignment_id_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'band', name=op.f('pk_assignment_bands'))
    )
    op.create_table('assignment_departments',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_departments_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_assignment_departments_department_id_departments')),
    sa.PrimaryKeyConstraint('assignment_id', 'department_id', name=op.f('pk_assignment_departments'))
    )


def downgrade():
    op.drop_table('assignment_departments')
    op.drop_table('assignment_bands')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_module_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_due_on'))

    op.drop_table('assignments')
