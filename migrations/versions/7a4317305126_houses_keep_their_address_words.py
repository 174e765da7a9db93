"""houses keep their address's words, for the first-login form's lookup

Revision ID: 7a4317305126
Revises: 1997abe85bcc
Create Date: 2026-11-30 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from kabinet.address_words import spelled


# revision identifiers, used by Alembic.
revision = '7a4317305126'
down_revision = '1997abe85bcc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_words', sa.Text(), nullable=True))

    # The houses stored so far: their words spelled as the app spells a new house's (kabinet.address_words).
    buildings = sa.table('buildings', sa.column('id', sa.Integer), sa.column('address', sa.String),
                         sa.column('address_words', sa.Text))
    connection = op.get_bind()
    rows = [{'key': id_, 'words': spelled(address)}
            for id_, address in connection.execute(sa.select(buildings.c.id, buildings.c.address))]
    if rows:
        connection.execute(buildings.update().where(buildings.c.id == sa.bindparam('key'))
                           .values(address_words=sa.bindparam('words')), rows)

    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.alter_column('address_words', existing_type=sa.Text(), nullable=False)


def downgrade():
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_column('address_words')
