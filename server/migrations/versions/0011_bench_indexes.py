"""bench indexes: a community's list newest first, the board cache's version, the window of all
communities

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_community_id', ['community_id', 'id'], unique=False)
        batch_op.create_index('ix_requests_community_updated', ['community_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_requests_submitted', ['submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_submitted')
        batch_op.drop_index('ix_requests_community_updated')
        batch_op.drop_index('ix_requests_community_id')
