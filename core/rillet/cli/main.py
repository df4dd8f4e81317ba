"""The ``rillet`` group: built-in commands, lazily loaded plugin commands, and error reporting.

Errors are one line on stderr (``Error: …``) with a non-zero exit code: 2 for usage and
configuration errors (bad option, unknown provider or model, missing key), 1 for everything
else (a stream that failed, a provider error). ``--debug`` or ``RILLET_DEBUG=1`` re-raises
so the traceback is shown.

Importing this module imports click and nothing heavy: no plugin, pydantic or httpx, so
``rillet --help`` and ``rillet keys path`` start fast with any number of plugins installed.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import click

from .. import __version__
from ._common import DEBUG_KEY, debug_requested

__all__ = ["RilletGroup", "cli", "main"]

_CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class RilletGroup(click.Group):
    """A click group whose plugin subcommands are added only when they are needed.

    Built-in commands are known without discovery. The ``rillet_commands`` hook is called
    the first time a name that is not built in is looked up, so ``rillet --help`` and
    ``rillet providers`` never import every plugin's CLI code. A plugin may not replace a
    built-in command.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._builtin: set[str] = set()
        self._plugins_called: set[tuple[int, str]] = set()
        self._loading_plugins: str | None = None

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if self._loading_plugins is not None:
            if name in self._builtin:
                click.echo(
                    f"Warning: plugin {self._loading_plugins!r} may not replace the built-in command {name!r}; ignored",
                    err=True,
                )
                return
        else:
            self._builtin.add(name or "")
        super().add_command(cmd, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name not in self._builtin:
            self.load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def plugin_command_names(self) -> list[str]:
        """Names of the commands plugins added (loads them)."""
        self.load_plugin_commands()
        return sorted(set(self.commands) - self._builtin)

    def load_plugin_commands(self) -> None:
        """Call every plugin's ``rillet_commands(cli=...)`` once; a failing plugin is reported."""
        from .._discovery import plugin_manager

        manager = plugin_manager()
        try:
            for impl in manager.hook.rillet_commands.get_hookimpls():
                marker = (id(manager), impl.plugin_name)
                if marker in self._plugins_called:
                    continue
                self._plugins_called.add(marker)
                self._loading_plugins = impl.plugin_name
                try:
                    impl.function(**({"cli": self} if "cli" in impl.argnames else {}))
                except Exception as exc:  # a broken plugin must not break the CLI
                    click.echo(
                        f"Warning: plugin {impl.plugin_name!r} failed to add its commands: {type(exc).__name__}: {exc}",
                        err=True,
                    )
        finally:
            self._loading_plugins = None

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return self._invoke_reporting_errors(ctx)

    def _invoke_reporting_errors(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(1)
        except Exception as exc:
            from .._errors import ConfigurationError, RilletError

            if debug_requested(ctx):
                raise
            if isinstance(exc, RilletError):
                click.echo(f"Error: {_one_line(exc.message)}", err=True)
                ctx.exit(2 if isinstance(exc, ConfigurationError) else 1)
            if isinstance(exc, OSError) and exc.strerror:  # a file or folder the command could not use
                where = f" ({exc.filename})" if exc.filename else ""
                click.echo(f"Error: {exc.strerror}{where}", err=True)
                ctx.exit(1)
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {_one_line(str(exc))} (run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Warnings (``RILLET_PLUGINS`` naming no plugin, …) as one ``Warning: …`` line on stderr."""
    click.echo(f"Warning: {_one_line(str(message))}", err=True)


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "(no message)"


def _silence_stdout() -> None:
    """After a closed pipe (``rillet chat … | head``) send the rest of stdout nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _debug_callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[DEBUG_KEY] = bool(value) or ctx.meta.get(DEBUG_KEY, False)
    return value


@click.group(
    cls=RilletGroup,
    context_settings=_CONTEXT_SETTINGS,
    epilog="Plugins may add more commands; `rillet plugins` lists the installed plugins.",
)
@click.version_option(__version__, "-V", "--version", prog_name="rillet", message="%(prog)s %(version)s")
@click.option(
    "--debug",
    is_flag=True,
    envvar="RILLET_DEBUG",
    show_envvar=True,
    expose_value=False,
    is_eager=True,
    callback=_debug_callback,
    help="Show the full traceback when a command fails.  [default: off]",
)
def cli() -> None:
    """Stream chat completions from any LLM provider through plugins.

    \b
    Examples:
      rillet providers                       installed providers, keys, capabilities
      rillet chat -m replay/demo "Why is the sky blue?"   offline demo stream
      rillet keys set anthropic              store an API key
      rillet chat -m anthropic/claude-sonnet-4-5 "hi"
    """


def _register_builtin_commands() -> None:
    from . import chat, conformance, install, keys, logs, plugin, providers, replay, serve

    for command in (
        providers.providers,
        providers.models,
        providers.plugins,
        chat.chat,
        keys.keys,
        logs.logs,
        replay.replay,
        install.install,
        install.uninstall,
        plugin.plugin,
        serve.serve,
        conformance.conformance,
    ):
        cli.add_command(command)


_register_builtin_commands()


def main(argv: list[str] | None = None) -> Any:
    """The ``rillet`` console script."""
    return cli.main(args=argv, prog_name="rillet")

