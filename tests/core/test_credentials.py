"""Credentials live in the keyring only; failures read as sentences, never tracebacks."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.null import Keyring as NullKeyring
from keyring.errors import KeyringLocked, NoKeyringError

from core import credentials, settings
from core.advice import Advice
from core.errors import ConfigError, CredentialsError


def test_store_load_and_check(memory_keyring):
    credentials.store("guanyi", {"appkey": "100001", "sessionkey": "s", "secret": "x"})
    assert credentials.require("guanyi")["appkey"] == "100001"
    report = credentials.check()
    assert report["guanyi"] == {"present": True, "complete": True, "fields": ["appkey", "secret", "sessionkey"]}
    assert report["qimen"]["present"] is False
    assert "x" not in json.dumps(report["guanyi"]["fields"])


def test_require_names_missing_fields_and_the_command():
    credentials.store("qimen", {"app_key": "1"})
    with pytest.raises(CredentialsError) as info:
        credentials.require("qimen")
    assert "secret" in str(info.value) and "奇门凭据" in str(info.value) and "credentials set" not in str(info.value)
    assert (info.value.advice, info.value.kind) == (Advice.CREDENTIALS, "qimen")


@pytest.mark.parametrize(
    ("kind", "text"),
    [("guanyi", "not json"), ("guanyi", '["a"]'), ("guanyi", '{"appkey": "1"}'),
     ("qimen", '{"app_key": "1", "secret": "s", "colour": "red"}')],
)
def test_parse_input_refuses_wrong_objects(kind, text):
    with pytest.raises(CredentialsError):
        credentials.parse_input(kind, text)


def test_jingcheng_fields_follow_auth_mode():
    assert credentials.parse_input("jingcheng", '{"user": "u", "password": "p"}', "basic") == {
        "user": "u", "password": "p"}
    with pytest.raises(CredentialsError):
        credentials.parse_input("jingcheng", '{"user": "u"}', "basic")


class _Broken(KeyringBackend):
    priority = 0

    def __init__(self, exc):
        super().__init__()
        self.exc = exc

    def get_password(self, service, username):
        raise self.exc

    def set_password(self, service, username, password):
        raise self.exc

    def delete_password(self, service, username):
        raise self.exc


def test_no_backend_is_a_plain_message():
    keyring.set_keyring(_Broken(NoKeyringError("No recommended backend")))
    with pytest.raises(CredentialsError) as info:
        credentials.store("guanyi", {"appkey": "1", "sessionkey": "2", "secret": "3"})
    assert "钥匙串" in str(info.value) and "NoKeyringError" in str(info.value)
    assert info.value.advice is Advice.NO_KEYRING


def test_a_keyring_that_keeps_nothing_is_told_not_taken_for_stored():
    """The null backend (what `keyring --disable` selects) accepts every write and keeps nothing."""
    keyring.set_keyring(NullKeyring())
    with pytest.raises(CredentialsError) as info:
        credentials.store("guanyi", {"appkey": "1", "sessionkey": "2", "secret": "3"})
    assert "没有保存" in str(info.value) and "keyring.backends.null.Keyring" in str(info.value)
    assert info.value.advice is Advice.KEYRING_KEEPS_NOTHING


def test_locked_keyring_is_a_plain_message():
    keyring.set_keyring(_Broken(KeyringLocked("locked")))
    with pytest.raises(CredentialsError, match="解锁"):
        credentials.load("guanyi")


def test_delete_of_missing_entry_is_quiet():
    credentials.delete("guanyi")
    assert credentials.load("guanyi") is None


def test_the_fields_of_each_kind_are_defined_once_and_follow_jingchengs_auth(db):
    assert credentials.fields("jingcheng") == credentials.fields("jingcheng", "token") == (("token",), ())
    assert credentials.fields("jingcheng", "basic") == (("user", "password"), ())
    assert credentials.fields("qimen") == (("app_key", "secret"), ("session",))
    with pytest.raises(ConfigError) as refused:
        credentials.fields("jingcheng", "oauth")
    assert refused.value.setting == "jingcheng.auth"
    every = {name for kind in credentials.KINDS for auth in settings.KEYS["jingcheng.auth"].choices
             for group in credentials.fields(kind, auth) for name in group}
    assert every == set(credentials.FIELD_LABELS)  # every field has its label, and no label is left over
    assert credentials.PUBLIC_FIELDS.issubset(every)


def test_through_qimen_guanyis_own_secret_is_not_needed(db):
    credentials.store("guanyi", {"appkey": "100001", "sessionkey": "sess"})
    assert credentials.needed("guanyi", transport="qimen") == ("appkey", "sessionkey")
    assert credentials.require("guanyi", transport="qimen") == {"appkey": "100001", "sessionkey": "sess"}
    with pytest.raises(CredentialsError, match="secret"):
        credentials.require("guanyi")
    assert credentials.check(transport="qimen")["guanyi"]["complete"] is True
    assert credentials.check(transport="direct")["guanyi"]["complete"] is False
