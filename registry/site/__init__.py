"""The catalog website: generated pages injected into mkdocs at build time.

- :mod:`registry.site.views`: the facts a server page shows, derived from the models;
- :mod:`registry.site.pages`: which pages exist and their HTML (pure, autoescaped);
- :mod:`registry.site.feed`, :mod:`registry.site.reference`: the Atom feed,
  JSON Schemas and the generated manifest/toolspec reference pages;
- :mod:`registry.load.history`: when each version was added (git), for the feed;
- :mod:`registry.site.plugin`: the mkdocs plugin that puts them into a build;
- :mod:`registry.cli.site`: ``registryctl build``, ``catalog`` and ``serve``.

The pipeline that runs it all is :mod:`registry.build`.
"""
