"""``evawkg serve --help`` names every setting of the table with its default and environment
variable, so an operator sees what an unset flag means without reading the code."""

from __future__ import annotations

import re

from click.testing import CliRunner

from evawkg.settings import SETTINGS
from evawkg.web.command import flag_name, serve_command, shown_default


def _help_text() -> str:
    result = CliRunner().invoke(serve_command, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_serve_help_shows_every_settings_flag_with_its_default_and_variable():
    text = _help_text()
    for setting in SETTINGS:
        flag = flag_name(setting)
        match = re.search(re.escape(flag) + r"\b.*?\[default: (.*?); env: (EVAWKG_\w+)\]", text)
        assert match, f"{flag} ({setting.name}) is missing from --help or shows no default"
        assert match.group(1) == shown_default(setting), (flag, match.group(1))
        assert match.group(2) == setting.environment_variable


def test_serve_help_shows_the_table_defaults_readably():
    text = _help_text()
    assert "--port INTEGER" in text and "[default: 8080; env: EVAWKG_PORT]" in text
    assert "--timeout FLOAT" in text and "[default: 30.0; env: EVAWKG_QUERY_TIMEOUT]" in text
    assert "--infer / --no-infer" in text and "[default: on; env: EVAWKG_INFER]" in text
    assert "[default: *; env: EVAWKG_CORS_ORIGINS]" in text
    assert "[default: none; env: EVAWKG_ALLOW_SERVICE]" in text
