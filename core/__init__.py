"""ReturnSync core: the whole job without Qt — a person could run it from a script.

The flow, stage by stage: :mod:`core.guanyi` (the source) → :mod:`core.pull` (into the local file, :mod:`core.store`)
→ :mod:`core.mapping` (a return becomes a 精诚 sheet) → :mod:`core.ledger` and :mod:`core.push` (posted exactly once
to :mod:`core.jingcheng`) → :mod:`core.export` (the sync log as CSV). :mod:`core.app` opens all of it, for the
command line (:mod:`core.cli`) and the window alike.
"""

__version__ = "0.1.0"
