"""Publishing: the signed index to GitHub Releases, the site to Pages.

- :mod:`registry.publish.github`: a small REST client (urllib only);
- :mod:`registry.publish.release`: the atomic release flow and pruning;
- :mod:`registry.publish.pages`: the ``gh-pages`` push through ``git``;
- :mod:`registry.publish.checks`: the gates (public key, clean tree, signed dist);
- :mod:`registry.publish.pipeline`: lint → build → verify → release → Pages.
"""
