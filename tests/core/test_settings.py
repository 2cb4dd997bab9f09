from __future__ import annotations

import pytest

from core import settings
from core.errors import ConfigError


def test_defaults_without_rows(db):
    assert settings.get("guanyi.transport") == "direct"
    assert settings.get_int("guanyi.page_size") == 100
    assert settings.get("qimen.target_app_key") == "21226717"


def test_set_and_read_back(db):
    settings.set_value("guanyi.transport", "qimen")
    settings.set_value("guanyi.url", "https://api.example.test/rest/erp_open")
    assert settings.get("guanyi.transport") == "qimen"
    assert settings.all_settings()["guanyi.url"] == "https://api.example.test/rest/erp_open"


@pytest.mark.parametrize(
    ("key", "value"),
    [("guanyi.transport", "ftp"), ("guanyi.page_size", "101"), ("guanyi.page_size", "0"), ("guanyi.url", "v2.api"),
     ("qimen.sign_method", "sha1"), ("pull.concurrency", "5"), ("pull.concurrency", "0"), ("nope.key", "1")],
)
def test_bad_values_are_refused(db, key, value):
    with pytest.raises(ConfigError):
        settings.set_value(key, value)


@pytest.mark.parametrize("key", ["guanyi.secret", "jingcheng.token", "jingcheng.password"])
def test_secrets_never_go_into_settings(db, key):
    with pytest.raises(ConfigError, match="credentials set"):
        settings.set_value(key, "s3cret")
