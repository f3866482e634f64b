"""users' mobile and e-mail, the forced first password change, chosen notification channels

Revision ID: 20261206_0020
Revises: 20261206_0019
Create Date: 2026-12-06 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0020'
down_revision = '20261206_0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notify_email', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('notify_sms', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('notify_robot', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        for column in ('notify_robot', 'notify_sms', 'notify_email', 'must_change_password', 'email', 'mobile'):
            batch_op.drop_column(column)
