"""Return → 精诚 sheet (SPEC §4): the rules, the value tables, the text forms, the checks.

- :mod:`~core.mapping.rules` — the ``mapping.*`` settings as one checked object;
- :mod:`~core.mapping.mapper` — :func:`~core.mapping.mapper.map_return`: the sheet with its blocking problems
  and warnings, never an exception for a drifted return;
- :mod:`~core.mapping.value_tables` — shop → customer and goods code → GoodsID, edited in the app;
- :mod:`~core.mapping.tables_csv` — those tables to and from CSV as Chinese Excel writes them;
- :mod:`~core.mapping.numbers`, :mod:`~core.mapping.dates`, :mod:`~core.mapping.remark` — rounding and the
  text forms of numbers, the SheetDate pattern, the Remark template.

It reads returns from :mod:`core.guanyi.returns` and makes :class:`core.jingcheng.sheet.Sheet`.
"""
