"""ranked preferences and allocation runs (issue 14)

Revision ID: c4a1f0e2d914
Revises: d4b57ed371f8
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4a1f0e2d914'
down_revision = 'd4b57ed371f8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parallel_block', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allocation_mode', sa.String(length=20), nullable=False,
                                      server_default='first_come'))
        batch_op.add_column(sa.Column('ranking_deadline', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ranking_closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('allocation_objective', sa.String(length=20),
                                      nullable=False, server_default='rank_maximal'))
        batch_op.add_column(sa.Column('mix_limit', sa.Integer(), nullable=True))

    op.create_table(
        'preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['block_id'], ['parallel_block.id'],
                                name=op.f('fk_preference_block_id_parallel_block'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_preference_registration_id_registration'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['dialogue_session.id'],
                                name=op.f('fk_preference_session_id_dialogue_session'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_preference')),
        sa.UniqueConstraint('registration_id', 'block_id', 'rank', name='uq_preference_rank'),
        sa.UniqueConstraint('registration_id', 'block_id', 'session_id',
                            name='uq_preference_session'),
    )
    with op.batch_alter_table('preference', schema=None) as batch_op:
        batch_op.create_index('ix_preference_block', ['block_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_preference_registration_id'), ['registration_id'],
                              unique=False)

    op.create_table(
        'allocation_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.Integer(), nullable=False),
        sa.Column('seed', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('capacities', sa.JSON(), nullable=False),
        sa.Column('solver', sa.String(length=60), nullable=False),
        sa.Column('input_digest', sa.String(length=64), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('lottery', sa.JSON(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['block_id'], ['parallel_block.id'],
                                name=op.f('fk_allocation_run_block_id_parallel_block'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_run')),
    )
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_run_block_id'), ['block_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_run_block_id'))
    op.drop_table('allocation_run')
    with op.batch_alter_table('preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preference_registration_id'))
        batch_op.drop_index('ix_preference_block')
    op.drop_table('preference')
    with op.batch_alter_table('parallel_block', schema=None) as batch_op:
        batch_op.drop_column('mix_limit')
        batch_op.drop_column('allocation_objective')
        batch_op.drop_column('ranking_closed_at')
        batch_op.drop_column('ranking_deadline')
        batch_op.drop_column('allocation_mode')
