"""meeting packs: a street's weekly meeting pack (每周会商), stored once per street and week

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'meeting_packs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('week_start', server.types.UTCDateTime(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id'],
                                name=op.f('fk_meeting_packs_street_id_streets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_packs')),
        sa.UniqueConstraint('street_id', 'week_start',
                            name=op.f('uq_meeting_packs_street_id_week_start')),
    )


def downgrade():
    op.drop_table('meeting_packs')
