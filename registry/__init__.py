"""The Gig'MCP registry: load, lint, index, sign, render and publish a catalog of MCP servers."""

__version__ = "0.1.0"
