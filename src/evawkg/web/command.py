"""``evawkg serve`` as a click command (registered by ``evawkg.cli``): flags become Settings.

Every row of the Settings table (:data:`evawkg.settings.SETTINGS`) is a flag, built here from
the row: its name (``max_rows`` → ``--max-rows``, a few shorter names below), its type, its
help and its default, which ``--help`` shows with the environment variable that sets it too. A
flag left out keeps the environment's value, so every option defaults to ``None`` for click.
"""

from __future__ import annotations

import click

from ..errors import BundleError, ClientError, EvawError, SettingsError
from ..settings import LOG_LEVELS, SETTINGS, Setting, Settings

#: Flags whose name is not the setting's.
FLAG_NAMES = {"query_timeout": "--timeout", "cors_origins": "--cors-origin",
              "default_graph_as_union": "--union-default-graph",
              "store_graphs": "--store-graph"}

#: Click types more exact than the setting's Python type.
CLICK_TYPES = {
    "data": click.Path(exists=True, dir_okay=False),
    "store": click.Path(file_okay=False),
    "log_level": click.Choice(LOG_LEVELS),
}


def shown_default(setting: Setting) -> str:
    """The default as ``--help`` shows it (``on``/``off``, ``none`` for an empty value)."""
    default = setting.default
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, tuple):
        return ", ".join(default) or "none"
    return str(default) if default != "" else "none"


def flag_name(setting: Setting) -> str:
    return FLAG_NAMES.get(setting.name, "--" + setting.name.replace("_", "-"))


def _option(setting: Setting):
    flag = flag_name(setting)
    repeatable = " Repeatable." if setting.type is tuple else ""
    help_text = (f"{setting.help}{repeatable} [default: {shown_default(setting)}; "
                 f"env: {setting.environment_variable}]")
    if setting.type is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", setting.name, default=None, help=help_text)
    if setting.type is tuple:
        return click.option(flag, setting.name, multiple=True, type=CLICK_TYPES.get(setting.name),
                            help=help_text)
    return click.option(flag, setting.name, type=CLICK_TYPES.get(setting.name, setting.type),
                        help=help_text)


def _settings_options(command):
    for setting in reversed(SETTINGS):
        command = _option(setting)(command)
    return command


def as_given(error: SettingsError, overrides: dict) -> str:
    """The error's message naming its setting as the user gave it: the flag, or (for a flag
    left out) the environment variable."""
    setting = next((s for s in SETTINGS if s.name == error.setting), None)
    if setting is None:
        return error.message
    given = (flag_name(setting) if overrides.get(setting.name) is not None
             else setting.environment_variable)
    return f"{given} {error.problem}"


@click.command("serve")
@_settings_options
def serve_command(**flags) -> None:
    """Serve the graph over the SPARQL 1.1 Protocol at http://HOST:PORT/sparql.

    Every flag can also be set as EVAWKG_<NAME> in the environment (EVAWKG_PORT=8081).
    """
    overrides = {name: (value or None) if isinstance(value, tuple) else value
                 for name, value in flags.items()}
    try:
        settings = Settings.from_environment(**overrides)
    except SettingsError as error:
        raise click.UsageError(as_given(error, overrides)) from None
    except EvawError as error:
        raise click.UsageError(error.message) from None
    from .server import serve

    # `evawkg --home DIR serve`: the server's processes find that home in the environment they
    # inherit (set by evawkg.cli for the whole command).
    try:
        serve(settings)
    except EvawError as error:
        click.echo(f"evawkg serve: {error.message}", err=True)
        # As every command (evawkg.cli.EvawGroup): a store or bundle that cannot be used is a
        # load error (2), whatever status it would have over HTTP.
        raise SystemExit(2 if isinstance(error, (ClientError, BundleError)) else 1) from None


__all__ = ["serve_command"]
if __name__ == "__main__":
    serve_command()
