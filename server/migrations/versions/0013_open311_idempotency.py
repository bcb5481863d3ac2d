"""open311 idempotency keys and the per-key post lock

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

A partner's retry of ``POST requests`` with the same ``Idempotency-Key`` gets the first answer
(unique per key); every post first writes ``open311_api_keys.last_posted_at``, the row lock
under which the key's open requests are counted against ``OPEN311_MAX_OPEN_REQUESTS``.
"""
from alembic import op
import sqlalchemy as sa

import server.types


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('open311_api_keys', sa.Column(
        'last_posted_at', server.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('open311_submissions', sa.Column('idempotency_key', sa.String(128),
                                                   nullable=True))
    op.add_column('open311_submissions', sa.Column('body_hash', sa.String(64), nullable=True))
    op.create_index('uq_open311_submissions_idempotency', 'open311_submissions',
                    ['api_key_id', 'idempotency_key'], unique=True)


def downgrade():
    op.drop_index('uq_open311_submissions_idempotency', table_name='open311_submissions')
    with op.batch_alter_table('open311_submissions') as batch:
        batch.drop_column('body_hash')
        batch.drop_column('idempotency_key')
    with op.batch_alter_table('open311_api_keys') as batch:
        batch.drop_column('last_posted_at')
