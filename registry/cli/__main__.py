"""``python -m registry.cli``: the same as ``registryctl``."""

from registry.cli import main

raise SystemExit(main())
