"""users keep their language

Revision ID: fe74b14be733
Revises: a7a31b745e31
Create Date: 2026-11-30 09:16:52.788754

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fe74b14be733'
down_revision = 'a7a31b745e31'
branch_labels = None
depends_on = None


# Not in batch mode: on SQLite a batch rebuilds the users table and loses the expression indexes on lower(login) and
# lower(email); SQLite (3.35+) adds and drops a column in place.
def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('users', 'language')
