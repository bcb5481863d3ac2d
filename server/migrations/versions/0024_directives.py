"""directives: top-down tasks (任务列单) and their target communities (责任上单)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'directives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=64), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('deadline', server.types.UTCDateTime(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'],
                                name=op.f('fk_directives_category_id_categories')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_directives_created_by_id_users')),
        sa.ForeignKeyConstraint(['street_id'], ['streets.id'],
                                name=op.f('fk_directives_street_id_streets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directives')),
    )
    op.create_table(
        'directive_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('directive_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('designated_by_id', sa.Integer(), nullable=True),
        sa.Column('designated_at', server.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_directive_targets_community_id_communities')),
        sa.ForeignKeyConstraint(['designated_by_id'], ['users.id'],
                                name=op.f('fk_directive_targets_designated_by_id_users')),
        sa.ForeignKeyConstraint(['directive_id'], ['directives.id'],
                                name=op.f('fk_directive_targets_directive_id_directives')),
        sa.ForeignKeyConstraint(['member_id'], ['users.id'],
                                name=op.f('fk_directive_targets_member_id_users')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'],
                                name=op.f('fk_directive_targets_request_id_requests')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name=op.f('fk_directive_targets_team_id_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directive_targets')),
        sa.UniqueConstraint('directive_id', 'community_id',
                            name=op.f('uq_directive_targets_directive_id_community_id')),
    )
    with op.batch_alter_table('directive_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directive_targets_community_id'), ['community_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_directive_targets_directive_id'), ['directive_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('directive_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directive_targets_directive_id'))
        batch_op.drop_index(batch_op.f('ix_directive_targets_community_id'))
    op.drop_table('directive_targets')
    op.drop_table('directives')
