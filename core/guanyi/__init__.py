"""The source: 管易云's ``gy.erp.trade.return.get`` (SPEC §2), reached directly or through the 淘宝奇门 gateway.

Read in the order a request travels:

- :mod:`~core.guanyi.signing` — the signatures of both transports (shared with the sandbox);
- :mod:`~core.guanyi.transports` — building the signed call of each transport and unwrapping its reply;
- :mod:`~core.guanyi.client` — one session, timeouts, retries with backoff, errors a person can act on;
- :mod:`~core.guanyi.replies` — what a reply means: the envelope's verdict and the page of returns;
- :mod:`~core.guanyi.reply_texts` — reading a reply while keeping each record's exact text;
- :mod:`~core.guanyi.returns` — one 退货单 record parsed defensively into typed objects.

The stage that uses it is :mod:`core.pull`.
"""
