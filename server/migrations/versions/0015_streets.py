"""streets: county → street → community as rows; district text becomes streets; street roles

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('streets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_streets')),
    sa.UniqueConstraint('code', name=op.f('uq_streets_code')),
    sa.UniqueConstraint('name', name=op.f('uq_streets_name'))
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_communities_street_id'), ['street_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_communities_street_id_streets'), 'streets',
                                    ['street_id'], ['id'])
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_grants_street_id_streets'), 'streets',
                                    ['street_id'], ['id'])

    # Each distinct district text becomes a street of that name (codes S001, S002, … in
    # alphabetical order), and its communities move under it.
    bind = op.get_bind()
    names = [row[0] for row in bind.execute(sa.text(
        "SELECT DISTINCT TRIM(district) FROM communities "
        "WHERE district IS NOT NULL AND TRIM(district) <> '' ORDER BY 1"))]
    for number, name in enumerate(names, start=1):
        bind.execute(sa.text("INSERT INTO streets (code, name, is_active) VALUES (:c, :n, :a)"),
                     {"c": f"S{number:03d}", "n": name[:64], "a": True})
        bind.execute(sa.text(
            "UPDATE communities SET street_id = (SELECT id FROM streets WHERE name = :n) "
            "WHERE TRIM(district) = :n"), {"n": name})
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('district')


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district', sa.String(length=64), nullable=True))
    op.get_bind().execute(sa.text(
        "UPDATE communities SET district = "
        "(SELECT name FROM streets WHERE streets.id = communities.street_id)"))
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_role_grants_street_id_streets'), type_='foreignkey')
        batch_op.drop_column('street_id')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_communities_street_id_streets'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_communities_street_id'))
        batch_op.drop_column('street_id')
    op.drop_table('streets')
