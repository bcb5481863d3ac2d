"""place: section and grid boundaries, the boundary version, the point of a request with its
coordinate system and cell, supporters ("me too") and merged duplicates

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boundary', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('min_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('min_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lat', sa.Float(), nullable=True))
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boundary', sa.Text(), nullable=True))
    op.create_table(
        'place_versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('changed_at', server.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coord_system', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('sent_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('sent_lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('cell', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('place_mismatch_m', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('support_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_requests_cell_status', ['cell', 'status'], unique=False)
    # Added in place, without copying the requests table on SQLite (its ADD COLUMN may carry
    # a REFERENCES clause, but alembic would add the constraint by a copy).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE requests ADD COLUMN duplicate_of_id INTEGER '
                   'CONSTRAINT fk_requests_duplicate_of_id_requests REFERENCES requests (id)')
    else:
        op.add_column('requests', sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_requests_duplicate_of_id_requests', 'requests', 'requests',
                              ['duplicate_of_id'], ['id'])
    op.create_table(
        'request_supports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_id', 'user_id'),
    )
    with op.batch_alter_table('request_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_supports_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_supports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('request_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_supports_user_id'))
        batch_op.drop_index(batch_op.f('ix_request_supports_request_id'))
    op.drop_table('request_supports')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_cell_status')
        batch_op.drop_constraint('fk_requests_duplicate_of_id_requests', type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')
        for column in ('support_count', 'place_mismatch_m', 'cell', 'sent_lng',
                       'sent_lat', 'coord_system'):
            batch_op.drop_column(column)
    op.drop_table('place_versions')
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_column('boundary')
    with op.batch_alter_table('sections', schema=None) as batch_op:
        for column in ('max_lat', 'max_lng', 'min_lat', 'min_lng', 'boundary'):
            batch_op.drop_column(column)
