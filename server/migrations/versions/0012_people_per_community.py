"""people belong to one community

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A person was global (one row per phone), so a committee of one community could put another
community's person on its own team and invite them. Each person now belongs to the community
that put them on record: unique by (community, phone) and (community, account). A person who
held posts or seats in several communities is split into one person per community, each with
the posts and seats of that community (and the same account, if linked).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _communities(conn, person_id: int) -> list[int]:
    rows = conn.execute(sa.text(
        "SELECT t.community_id FROM person_posts pp JOIN teams t ON t.id = pp.team_id "
        "WHERE pp.person_id = :p UNION "
        "SELECT community_id FROM committee_seats WHERE person_id = :p UNION "
        "SELECT community_id FROM invitations WHERE person_id = :p AND community_id IS NOT NULL"
    ), {"p": person_id}).scalars().all()
    return sorted(set(rows))


def _foreign_keys(on: bool):
    # SQLite rebuilds the table to change its constraints, dropping the old one while other
    # tables point at it: the checks pause for the rebuild (no other writer runs a migration).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_people_phone', type_='unique')
        batch_op.drop_constraint('uq_people_user_id', type_='unique')

    conn = op.get_bind()
    fallback = conn.execute(sa.text("SELECT MIN(id) FROM communities")).scalar()
    people = conn.execute(sa.text(
        "SELECT id, name, phone, user_id, linked_at, created_at FROM people ORDER BY id")).all()
    for person in people:
        found = _communities(conn, person.id) or ([fallback] if fallback is not None else [])
        if not found:
            continue
        first, *others = found
        conn.execute(sa.text("UPDATE people SET community_id = :c WHERE id = :p"),
                     {"c": first, "p": person.id})
        for community_id in others:
            new_id = conn.execute(sa.text(
                "INSERT INTO people (community_id, name, phone, user_id, linked_at, created_at) "
                "VALUES (:c, :n, :ph, :u, :l, :t) RETURNING id"),
                {"c": community_id, "n": person.name, "ph": person.phone, "u": person.user_id,
                 "l": person.linked_at, "t": person.created_at}).scalar()
            conn.execute(sa.text(
                "UPDATE person_posts SET person_id = :new WHERE person_id = :old AND team_id IN "
                "(SELECT id FROM teams WHERE community_id = :c)"),
                {"new": new_id, "old": person.id, "c": community_id})
            for table in ("committee_seats", "invitations"):
                conn.execute(sa.text(
                    f"UPDATE {table} SET person_id = :new WHERE person_id = :old "
                    "AND community_id = :c"), {"new": new_id, "old": person.id, "c": community_id})

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('community_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_community_id_communities'),
                                    'communities', ['community_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_people_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_user_id'), ['user_id'], unique=False)
        batch_op.create_unique_constraint('uq_people_community_id_phone',
                                          ['community_id', 'phone'])
        batch_op.create_unique_constraint('uq_people_community_id_user_id',
                                          ['community_id', 'user_id'])
    _foreign_keys(True)


def downgrade():
    # People split per community cannot be merged back safely; a downgrade keeps one per phone.
    _foreign_keys(False)
    conn = op.get_bind()
    conn.execute(sa.text(
        "DELETE FROM people WHERE id NOT IN (SELECT MIN(id) FROM people GROUP BY phone) "
        "AND id NOT IN (SELECT person_id FROM person_posts) "
        "AND id NOT IN (SELECT person_id FROM committee_seats) "
        "AND id NOT IN (SELECT person_id FROM invitations)"))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint('uq_people_community_id_user_id', type_='unique')
        batch_op.drop_constraint('uq_people_community_id_phone', type_='unique')
        batch_op.drop_index(batch_op.f('ix_people_user_id'))
        batch_op.drop_index(batch_op.f('ix_people_community_id'))
        batch_op.drop_constraint(batch_op.f('fk_people_community_id_communities'), type_='foreignkey')
        batch_op.create_unique_constraint('uq_people_user_id', ['user_id'])
        batch_op.create_unique_constraint('uq_people_phone', ['phone'])
        batch_op.drop_column('community_id')
    _foreign_keys(True)
