"""activities: a place, and cancelling

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

An activity gets a place the committee can change with its time and capacity, and can be
cancelled (``cancelled_at``, ``cancel_reason``): no sign-up, no hours, sign-ups kept.
"""
from alembic import op
import sqlalchemy as sa

import server.types


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('activities', sa.Column('place', sa.String(200), nullable=True))
    op.add_column('activities', sa.Column('cancelled_at', server.types.UTCDateTime(timezone=True),
                                          nullable=True))
    op.add_column('activities', sa.Column('cancel_reason', sa.String(500), nullable=True))


def downgrade():
    with op.batch_alter_table('activities') as batch:
        batch.drop_column('cancel_reason')
        batch.drop_column('cancelled_at')
        batch.drop_column('place')
