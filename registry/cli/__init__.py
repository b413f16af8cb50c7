"""``registryctl``: a thin command line over the :mod:`registry` library.

Each command parses its arguments, calls one library function, prints the
result and returns an exit status. Every :class:`RegistryError` is turned into
one ``registryctl: error: …`` line here, in one place; no traceback escapes.
The environment is read once, in :func:`main`, before any command runs (the
signing key is removed from it then) and passed to the command. Declaring the
arguments imports nothing but this package: a command imports what it needs
when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from registry.cli import export, images, index, lint, publish, review, site
from registry.cli.environment import Environment, take_environment
from registry.cli.types import Command
from registry.errors import RegistryError

__all__ = ["Environment", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registryctl",
        description="Lint, index, sign, verify and publish the Gig'MCP registry.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (lint, index, images, review, site, export, publish):
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``registryctl``; returns the process exit status."""
    env = take_environment(os.environ)
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args, env)
    except RegistryError as error:
        sys.stderr.write(f"registryctl: error: {error}\n")
        return 1
    except KeyboardInterrupt:
        return 130
