"""Lint rules, one module per kind of file."""
