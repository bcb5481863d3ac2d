"""cards: warning rules as data (亮牌规则) and the cards they issue, one per rule, holder, period

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

import server.types


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'card_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('colour', sa.String(length=8), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('expiry_days', sa.Integer(), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('retired_at', server.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_rules')),
    )
    op.create_table(
        'cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=32), nullable=False),
        sa.Column('colour', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('issued_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', server.types.UTCDateTime(), nullable=False),
        sa.Column('appeal_reason', sa.String(length=500), nullable=True),
        sa.Column('appealed_by_id', sa.Integer(), nullable=True),
        sa.Column('appealed_at', server.types.UTCDateTime(), nullable=True),
        sa.Column('decision_reason', sa.String(length=500), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', server.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['appealed_by_id'], ['users.id'],
                                name=op.f('fk_cards_appealed_by_id_users')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_cards_community_id_communities')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_cards_decided_by_id_users')),
        sa.ForeignKeyConstraint(['rule_id'], ['card_rules.id'],
                                name=op.f('fk_cards_rule_id_card_rules')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
        sa.UniqueConstraint('rule_id', 'holder_id', 'period',
                            name=op.f('uq_cards_rule_id_holder_id_period')),
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_community', ['community_id', 'id'], unique=False)
        batch_op.create_index('ix_cards_holder', ['level', 'holder_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_holder')
        batch_op.drop_index('ix_cards_community')
    op.drop_table('cards')
    op.drop_table('card_rules')
