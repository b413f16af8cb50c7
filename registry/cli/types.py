"""The shape every ``registryctl`` command has."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from registry.cli.environment import Environment

Command: TypeAlias = Callable[[argparse.Namespace, Environment], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
