"""inbox index: requests by status, newest first

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_requests_status_id', 'requests', ['status', 'id'])


def downgrade():
    op.drop_index('ix_requests_status_id', table_name='requests')
