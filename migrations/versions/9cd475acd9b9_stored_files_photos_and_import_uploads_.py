"""stored files: photos and import uploads in the database

Revision ID: 9cd475acd9b9
Revises: cba9f216f67d
Create Date: 2026-11-30 06:44:09.511000

The photos of requests move from instance/uploads/dispatch/ into the new stored_files table, one file at a time (a
photo is at most a few MB; never all of them in memory). The files on disk are left where they are: once the upgrade
is done the site no longer reads them, and the admin deletes the folder when satisfied. A photo row whose file is
missing already answered 404; it is dropped, with a warning.

The downgrade writes each photo back under instance/uploads/dispatch/ (under its old name when it came from there)
and restores the columns, so nothing a tenant sent is lost either way. Import uploads waiting for «Применить» are not
carried across in either direction: they live a day, and their links name the file the old way, so the accountant
uploads the file again.
"""
import hashlib
import logging
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app


# revision identifiers, used by Alembic.
revision = '9cd475acd9b9'
down_revision = 'cba9f216f67d'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
EXTENSIONS = {'image/jpeg': 'jpg', 'image/png': 'png'}

stored_files = sa.table(
    'stored_files',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('name', sa.String),
    sa.column('content_type', sa.String),
    sa.column('size', sa.Integer),
    sa.column('sha256', sa.String),
    sa.column('data', sa.LargeBinary),
    sa.column('created_at', sa.DateTime),
)
dispatch_photos = sa.table(
    'dispatch_photos',
    sa.column('id', sa.Integer),
    sa.column('file_id', sa.Integer),
    sa.column('filename', sa.String),
    sa.column('content_type', sa.String),
    sa.column('size', sa.Integer),
    sa.column('created_at', sa.DateTime),
)


def photo_folder() -> Path:
    """Where the photos were kept before this revision (kabinet.dispatch.photos.folder() then)."""
    return Path(current_app.instance_path) / 'uploads' / 'dispatch'


def upgrade():
    _refuse_without_the_photo_folder()
    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sqlite_autoincrement=True,  # ids never reused: a signed link names a file by its id
    )
    op.create_index('ix_stored_files_kind_created_at', 'stored_files', ['kind', 'created_at'], unique=False)

    with op.batch_alter_table('dispatch_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_id', sa.Integer(), nullable=True))

    _photos_into_database()

    with op.batch_alter_table('dispatch_photos', schema=None) as batch_op:
        batch_op.alter_column('file_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_dispatch_photos_file_id'), ['file_id'])
        batch_op.create_foreign_key(batch_op.f('fk_dispatch_photos_file_id_stored_files'), 'stored_files', ['file_id'], ['id'])
        batch_op.drop_column('size')
        batch_op.drop_column('filename')
        batch_op.drop_column('content_type')


def _refuse_without_the_photo_folder():
    """Stop before changing anything when there are photos and not one of their files is found: the upgrade runs
    with another instance folder than the site's, and would otherwise drop every photo as lost."""
    names = op.get_bind().scalars(sa.select(dispatch_photos.c.filename)).all()
    if names and not any((photo_folder() / name).is_file() for name in names):
        raise RuntimeError(
            f'None of the {len(names)} request photos is under {photo_folder()}: run the upgrade with the site\'s '
            'KABINET_INSTANCE. Nothing was changed.'
        )


def _photos_into_database():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(dispatch_photos.c.id, dispatch_photos.c.filename, dispatch_photos.c.content_type,
                  dispatch_photos.c.created_at)
    ).all()
    moved = 0
    for photo_id, filename, content_type, created_at in rows:
        path = photo_folder() / filename
        if not path.is_file():
            log.warning('dispatch photo %s: %s is missing; the photo is dropped', photo_id, path)
            connection.execute(sa.delete(dispatch_photos).where(dispatch_photos.c.id == photo_id))
            continue
        moved += 1
        data = path.read_bytes()
        file_id = connection.scalar(stored_files.insert().values(
            kind='photo', name=filename, content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=created_at,
        ).returning(stored_files.c.id))
        connection.execute(
            sa.update(dispatch_photos).where(dispatch_photos.c.id == photo_id).values(file_id=file_id)
        )
    if moved:
        log.info('%d dispatch photos moved into the database; %s may be deleted', moved, photo_folder())


def downgrade():
    with op.batch_alter_table('dispatch_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_type', sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column('filename', sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column('size', sa.INTEGER(), nullable=True))

    _photos_onto_disk()

    with op.batch_alter_table('dispatch_photos', schema=None) as batch_op:
        batch_op.alter_column('content_type', existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.alter_column('filename', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.alter_column('size', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_dispatch_photos_file_id_stored_files'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_dispatch_photos_file_id'), type_='unique')
        batch_op.drop_column('file_id')

    op.drop_index('ix_stored_files_kind_created_at', table_name='stored_files')
    op.drop_table('stored_files')


def _photos_onto_disk():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(dispatch_photos.c.id, stored_files.c.id, stored_files.c.name, stored_files.c.content_type)
        .join(stored_files, stored_files.c.id == dispatch_photos.c.file_id)
    ).all()
    if rows:
        photo_folder().mkdir(parents=True, exist_ok=True)
    for photo_id, file_id, name, content_type in rows:
        # One photo's bytes at a time.
        data = connection.scalar(sa.select(stored_files.c.data).where(stored_files.c.id == file_id))
        filename = name or f'{secrets.token_hex(16)}.{EXTENSIONS.get(content_type, "jpg")}'
        (photo_folder() / filename).write_bytes(data)
        connection.execute(
            sa.update(dispatch_photos).where(dispatch_photos.c.id == photo_id)
            .values(filename=filename, content_type=content_type, size=len(data))
        )
