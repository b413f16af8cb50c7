"""The official MCP Registry's formats, made from the same models as the index.

- :mod:`registry.export.serverjson`: one server version as a ``server.json``
  (the 2025-12-11 schema), with the entitlements under the registry's own
  ``_meta`` key, and the namespace its names live in;
- :mod:`registry.export.api`: the v0.1 read API (``/v0.1/servers`` and each
  server's versions) as static files the site serves next to ``index.json``.

Pure: models in, bytes out. The site plugin adds the files to the build and
``registryctl export-server-json`` prints one entry.
"""
