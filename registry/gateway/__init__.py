"""The gateway side: fetch a signed index, trust it, resolve an install ref.

- :mod:`registry.gateway.fetch`: bytes from an https URL (http on loopback
  only) or a local file, with size caps, deadlines and checked redirects;
- :mod:`registry.gateway.trust`: signature over the exact bytes first, then
  parse, then freshness (freeze, future dates) and rollback against a locked
  state file;
- :mod:`registry.gateway.resolve`: ``name``, ``name@version`` or
  ``sha256:<digest>`` to one installable manifest.
"""
