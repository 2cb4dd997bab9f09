"""The target: 精诚ERP's ``ExtApi_RecvExSheet`` (SPEC §3), the interface a return is posted to.

- :mod:`~core.jingcheng.sheet` — the sheet as 精诚 takes it, every field a string;
- :mod:`~core.jingcheng.profile` — what an installation may change: address, authentication, reading the reply;
- :mod:`~core.jingcheng.client` — one POST per sheet, never retried, classified into an outcome;
- :mod:`~core.jingcheng.outcome` — posted, failed or unknown (SPEC §5 step 4).

Whether a sheet may be sent at all is decided by :mod:`core.ledger`; :mod:`core.push` drives the sending.
"""
