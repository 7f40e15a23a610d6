""".env.example lists every environment variable the settings and the web server read."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
READER = re.compile(r'env_(?:str|bool|int|list|choice)\(\s*"([A-Z][A-Z0-9_]+)"')
GUNICORN = re.compile(r'(?:_int\(|os\.environ\.get\()\s*"([A-Z][A-Z0-9_]+)"')


def documented():
    """Variable name -> the comment lines just above it."""
    names, comment = {}, []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("#"):
            comment.append(line)
        elif "=" in line:
            names[line.split("=", 1)[0].strip()] = list(comment)
        else:
            comment = []
    return names


def test_every_variable_the_settings_read_is_in_env_example():
    read = set(READER.findall((ROOT / "config" / "settings.py").read_text()))
    read |= set(GUNICORN.findall((ROOT / "config" / "gunicorn_conf.py").read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "EMAIL_HOST", "WEB_BIND"} <= read
    missing = sorted(read - set(documented()))
    assert not missing, f"add these to .env.example with a comment: {missing}"


def test_every_variable_in_env_example_has_a_comment():
    uncommented = [name for name, comment in documented().items() if not any(c.strip("# ") for c in comment)]
    assert not uncommented
