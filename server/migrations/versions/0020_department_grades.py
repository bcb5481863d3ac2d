"""department grades: a street's quarterly grade of each department it worked with

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'department_grades',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('grade', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=True),
        sa.Column('graded_by_id', sa.Integer(), nullable=False),
        sa.Column('graded_at', server.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_department_grades_department_id_departments')),
        sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'],
                                name=op.f('fk_department_grades_graded_by_id_users')),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id'],
                                name=op.f('fk_department_grades_street_id_streets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_grades')),
        sa.UniqueConstraint('street_id', 'department_id', 'quarter',
                            name=op.f('uq_department_grades_street_id_department_id_quarter')),
    )
    with op.batch_alter_table('department_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_grades_department_id'), ['department_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_department_grades_street_id'), ['street_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('department_grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_grades_street_id'))
        batch_op.drop_index(batch_op.f('ix_department_grades_department_id'))
    op.drop_table('department_grades')
