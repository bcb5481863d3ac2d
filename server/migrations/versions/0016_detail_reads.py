"""staff reads of a request's exact address, point or photos

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

Like unmasked phone reads, every staff read of a resident's exact location or photos is
recorded (the first of each viewer, request and local day) and listed to the committee.
"""
from alembic import op
import sqlalchemy as sa

import server.types


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'request_detail_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('viewer_id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('relation', sa.String(length=16), nullable=False),
        sa.Column('day', sa.String(length=8), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_request_detail_reads_viewer_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_request_detail_reads_request_id_requests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_request_detail_reads_community_id_communities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_detail_reads')),
        sa.UniqueConstraint('viewer_id', 'request_id', 'day', name=op.f('uq_request_detail_reads_viewer_id_request_id_day')),
    )
    op.create_index('ix_request_detail_reads_request', 'request_detail_reads',
                    ['request_id', 'id'])
    op.create_index(op.f('ix_request_detail_reads_community_id'), 'request_detail_reads',
                    ['community_id'])


def downgrade():
    op.drop_index(op.f('ix_request_detail_reads_community_id'), table_name='request_detail_reads')
    op.drop_index('ix_request_detail_reads_request', table_name='request_detail_reads')
    op.drop_table('request_detail_reads')
