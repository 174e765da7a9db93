"""staff invitations: invited_at

Revision ID: cba9f216f67d
Revises: a8c4e4b50755
Create Date: 2026-11-30 04:53:30.344051

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cba9f216f67d'
down_revision = 'a8c4e4b50755'
branch_labels = None
depends_on = None


# Not in batch mode: on SQLite a batch rebuilds the users table and loses the expression indexes on lower(login) and
# lower(email); SQLite (3.35+) adds and drops a column in place.
def upgrade():
    op.add_column('users', sa.Column('invited_at', sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column('users', 'invited_at')
