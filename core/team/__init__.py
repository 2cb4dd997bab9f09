"""Team mode (SPEC §11): the records that must agree across PCs in one shared PostgreSQL database.

:mod:`~core.team.connection` binds the store's database proxy to the shared database at start-up (the local SQLite
file stays open beside it for what each PC keeps: window preferences and ``team.url`` itself);
:mod:`~core.team.schema` creates and migrates the shared schema; :mod:`~core.team.claims` is the ledger's claim,
lease and recovery there; :mod:`~core.team.move` copies a data folder in; :mod:`~core.team.status` says who is
working and what is open.
"""
