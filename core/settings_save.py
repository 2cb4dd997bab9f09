"""Saving settings and credentials together (the Settings dialog's Save): every change or none.

The settings are written in one transaction, and the rules that look at several settings together
(the mapping rules, the 精诚 profile) are built inside it: a refusal rolls back every setting. The
keyring is written last, still inside the transaction; if it refuses an entry, the entries already
written are put back as they were and the settings roll back too.
"""

from __future__ import annotations

from collections.abc import Mapping

from core import credentials, settings, store
from core.errors import ConfigError
from core.jingcheng.profile import Profile
from core.mapping.rules import MappingRules


def save(values: Mapping[str, str], secrets: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Store the settings that differ from the stored ones and the given keyring entries.

    ``values``: setting name → text, each already checked with :func:`core.settings.validate`.
    ``secrets``: keyring kind → the whole entry to store. Returns the names of the settings changed.
    Raises :class:`ConfigError` (its ``setting`` names the setting at fault, when one is); then nothing at all
    was changed."""
    current = settings.all_settings()
    changed = {name: settings.validate(name, value) for name, value in values.items()}
    changed = {name: value for name, value in changed.items() if value != current[name]}
    before: dict[str, dict[str, str] | None] = {}
    with store.db.atomic():
        for name, value in changed.items():
            settings.set_value(name, value)
            store.write_log("config", "ok", f"{name}: {current[name]} -> {value}")
        MappingRules.from_settings()
        Profile.from_settings()
        try:
            for kind, entry in secrets.items():
                before[kind] = credentials.load(kind)
                credentials.store(kind, entry)
                # Field names only, as `credentials set` logs them: never a value.
                store.write_log("credentials", "ok", f"{kind}: {', '.join(sorted(entry))}")
        except ConfigError:
            _restore(before)
            raise
    return list(changed)


def _restore(before: Mapping[str, dict[str, str] | None]) -> None:
    for kind, entry in before.items():
        if entry is None:
            credentials.delete(kind)
        else:
            credentials.store(kind, entry)
