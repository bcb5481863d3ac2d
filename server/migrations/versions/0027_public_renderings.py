"""public renderings: the community boards as last rendered, shared by every web worker and
kept fresh by the scheduler while they are read

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'public_renderings',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('path', sa.String(length=600), nullable=False),
        sa.Column('accept', sa.String(length=200), nullable=False),
        sa.Column('version', sa.String(length=300), nullable=False),
        sa.Column('computed_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('read_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('etag', sa.String(length=100), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_public_renderings')),
    )
    op.create_index(op.f('ix_public_renderings_read_at'), 'public_renderings', ['read_at'])


def downgrade():
    op.drop_index(op.f('ix_public_renderings_read_at'), table_name='public_renderings')
    op.drop_table('public_renderings')
