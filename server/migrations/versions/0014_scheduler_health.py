"""scheduler health: a heartbeat per scheduler process and the latest run of each job

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

``flask scheduler status`` and ``/metrics`` read who leads and how each job last ran from here,
whichever host asks.
"""
from alembic import op
import sqlalchemy as sa

import server.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_nodes',
        sa.Column('id', sa.String(128), nullable=False),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('started_at', server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('seen_at', server.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_nodes')),
    )
    op.create_table(
        'scheduler_job_runs',
        sa.Column('job_id', sa.String(64), nullable=False),
        sa.Column('node_id', sa.String(128), nullable=False),
        sa.Column('last_started_at', server.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_finished_at', server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', server.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_ok', sa.Boolean(), nullable=False),
        sa.Column('last_error', sa.String(128), nullable=True),
        sa.Column('last_seconds', sa.Float(), nullable=True),
        sa.Column('runs', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('job_id', name=op.f('pk_scheduler_job_runs')),
    )


def downgrade():
    op.drop_table('scheduler_job_runs')
    op.drop_table('scheduler_nodes')
