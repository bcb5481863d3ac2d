"""guarantors: the 包保 unit and leader that answer for a community over a date range

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guarantors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('unit_name', sa.String(length=64), nullable=False),
        sa.Column('leader_name', sa.String(length=32), nullable=False),
        sa.Column('leader_user_id', sa.Integer(), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_guarantors_community_id_communities')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_guarantors_created_by_id_users')),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_guarantors_department_id_departments')),
        sa.ForeignKeyConstraint(['leader_user_id'], ['users.id'],
                                name=op.f('fk_guarantors_leader_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guarantors')),
    )
    with op.batch_alter_table('guarantors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guarantors_community_id'), ['community_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guarantors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guarantors_community_id'))
    op.drop_table('guarantors')
