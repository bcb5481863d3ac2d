"""scoped grant indexes: committee grants by community, street grants by street

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    for column in ('community_id', 'street_id'):
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(f'ix_role_grants_{column}', 'role_grants', [column],
                        postgresql_where=where, sqlite_where=where)


def downgrade():
    for column in ('community_id', 'street_id'):
        op.drop_index(f'ix_role_grants_{column}', table_name='role_grants')
