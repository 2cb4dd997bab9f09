from __future__ import annotations

import pytest

from core import i18n, pull, settings, settings_save
from core.advice import Advice
from core.errors import ConfigError
from core.jingcheng.profile import Profile
from core.mapping.rules import MappingRules
from core.store import Setting


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
    with pytest.raises(ConfigError, match="系统钥匙串") as caught:
        settings.set_value(key, "s3cret")
    assert caught.value.advice is Advice.SECRET_NOT_A_SETTING


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [("guanyi.page_size", "500", "must be a whole number from 1 to 100"),
     ("pull.concurrency", "0", "must be a whole number from 1 to 4"),
     ("pull.window_days", "-1", "must be a whole number of at least 1"),
     ("guanyi.retries", "x", "must be a whole number of at least 0"),
     ("guanyi.url", "v2.api", "must start with http:// or https://"),
     ("jingcheng.read_timeout", "inf", "number of seconds above 0"),
     ("jingcheng.read_timeout", "0", "number of seconds above 0"),
     ("mapping.date_format", "YYYY-MM-DD", "'YYYY' in the date format 'YYYY-MM-DD' is not understood"),
     ("mapping.remark_template", "{nope}", "'{nope}' in the remark template is not known"),
     ("mapping.red_value", " ", "blue (sales) sheet"),
     ("jingcheng.reply.success_values", " , ", "no reply would count as success"),
     ("jingcheng.auth", "oauth", "takes one of: token, none, basic, md5-sign")],
)
def test_a_refusal_names_the_setting_and_says_why(db, key, value, reason):
    i18n.set_language("en")
    with pytest.raises(ConfigError) as refused:
        settings.set_value(key, value)
    assert refused.value.setting == key
    assert f"'{key}'" in str(refused.value) and reason in str(refused.value)
    assert settings.get(key) == settings.KEYS[key].default  # nothing was stored


def test_the_rules_built_from_settings_name_the_setting_they_refuse(db):
    Setting.insert(key="mapping.gifts", value="sometimes").execute()  # stored by an older version, say
    with pytest.raises(ConfigError) as refused:
        MappingRules.from_settings()
    assert refused.value.setting == "mapping.gifts"
    Setting.delete().execute()
    Setting.insert(key="jingcheng.url_template", value="{base_url}/{nope}").execute()
    with pytest.raises(ConfigError) as refused:
        Profile.from_settings()
    assert refused.value.setting == "jingcheng.url_template"


def test_a_save_that_the_rules_refuse_names_the_setting_and_keeps_nothing(db):
    with pytest.raises(ConfigError) as refused:
        settings_save.save({"guanyi.page_size": "50", "jingcheng.url_template": "{base_url}/{nope}"}, {})
    assert refused.value.setting == "jingcheng.url_template"
    assert settings.get("guanyi.page_size") == "100"


def test_choices_carry_their_meaning_once():
    axis = settings.KEYS["pull.axis"]
    assert set(axis.choices) == set(pull.AXES)  # the window's combo, the CLI's --by and the requests agree
    i18n.set_language("en")
    assert axis.choice_label("modify") == "Modify time" == pull.axis_label("modify")
    assert settings.KEYS["jingcheng.auth"].choice_text("basic") == "User name and password (basic)"
    assert settings.KEYS["qimen.sign_method"].choice_text("md5") == "md5"  # no meaning beyond the word
    i18n.set_language("zh_CN")
    assert axis.choice_label("receive") == "入库时间"
