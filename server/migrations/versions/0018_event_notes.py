"""the timeline's free text in an erasable side table

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

An event's note can hold a phone number or a name that retention must erase, yet the
timeline is append-only (triggers refuse UPDATE and DELETE on ``request_events``). The notes
move to ``request_event_notes`` (one row per event with a note), which retention may clear;
``request_events.note`` is dropped (DDL, which the triggers do not concern).
"""
from alembic import op
import sqlalchemy as sa

import server.types


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'request_event_notes',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('erased_at', server.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['request_events.id'],
                                name=op.f('fk_request_event_notes_event_id_request_events')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'],
                                name=op.f('fk_request_event_notes_request_id_requests')),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_request_event_notes')),
    )
    op.create_index(op.f('ix_request_event_notes_request_id'), 'request_event_notes',
                    ['request_id'])
    op.execute("INSERT INTO request_event_notes (event_id, request_id, text) "
                "SELECT id, request_id, note FROM request_events WHERE note IS NOT NULL")
    # SQLite (3.35+) drops a column in place; the append-only triggers stay as they are.
    op.execute("ALTER TABLE request_events DROP COLUMN note")


def downgrade():
    op.execute("ALTER TABLE request_events ADD COLUMN note TEXT")
    # The notes stay in the side table: copying them back would UPDATE the append-only rows.
    op.drop_index(op.f('ix_request_event_notes_request_id'), table_name='request_event_notes')
    op.drop_table('request_event_notes')
