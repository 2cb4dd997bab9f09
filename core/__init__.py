"""ReturnSync core: the whole job (pull, map, post, log) without Qt widgets."""

__version__ = "0.1.0"
