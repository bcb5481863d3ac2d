"""committee deadline: a category's minutes for the committee to act before work escalates to the street

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories') as batch:
        batch.add_column(sa.Column('committee_minutes', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('categories') as batch:
        batch.drop_column('committee_minutes')
