"""Settings read the environment strictly: a bad value stops start-up with a message naming it."""

import os
import pathlib
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw, expected", [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
                                           ("0", False), ("false", False), ("No", False), ("off", False)])
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", None) is expected


@pytest.mark.parametrize("raw", ["2", "ture", "enabled", "y e s"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_empty_value_means_the_default(monkeypatch):
    monkeypatch.setenv("X_FLAG", "  ")
    assert env_bool("X_FLAG", True) is True
    assert env_str("X_FLAG", "fallback") == "fallback"
    assert env_int("X_FLAG", 7) == 7


def test_required_variable_without_default_fails(monkeypatch):
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED is required"):
        env_str("X_REQUIRED")


def test_env_int_refuses_text_and_out_of_range_values(monkeypatch):
    monkeypatch.setenv("X_NUM", "12a")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "3")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 5"):
        env_int("X_NUM", 10, minimum=5)
    monkeypatch.setenv("X_NUM", "70000")
    with pytest.raises(ImproperlyConfigured, match="above the maximum 65535"):
        env_int("X_NUM", 25, maximum=65535)
    monkeypatch.setenv("X_NUM", "42")
    assert env_int("X_NUM", 1, minimum=5, maximum=100) == 42


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.delenv("X_LIST")
    assert env_list("X_LIST", ["localhost"]) == ["localhost"]


def test_env_choice_refuses_unknown_values(monkeypatch):
    monkeypatch.setenv("X_MODE", "fast")
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("X_MODE", {"slow", "safe"}, "safe")


def _start(**overrides):
    """Load the settings in a fresh process, as a server would at start-up."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(overrides)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_a_typo_in_the_environment_stops_start_up():
    result = _start(SECRET_KEY="x" * 50, DEBUG="0", SESSION_IDLE_SECONDS="30min")
    assert result.returncode != 0
    assert "SESSION_IDLE_SECONDS='30min' is not an integer" in result.stderr


def test_production_mode_without_a_secret_key_does_not_start():
    result = _start(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_development_mode_starts_without_a_secret_key():
    result = _start(DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "started" in result.stdout
