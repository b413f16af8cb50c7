"""Egress hosts: syntax, wildcards over public suffixes, the exfil denylist.

An egress entry is either an exact hostname (``api.example.com``) or a
wildcard ``*.suffix`` that matches hosts one or more labels below ``suffix``
(never ``suffix`` itself). Every check returns messages instead of raising so
lint can report all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import publicsuffixlist

MAX_HOST = 253
MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def hostname_problems(host: str) -> list[str]:
    """Why ``host`` is not an acceptable exact hostname (empty list: it is)."""
    if not host:
        return ["host is empty"]
    if "://" in host:
        return ["must be a bare hostname, without a scheme"]
    if any(c in host for c in "/?#"):
        return ["must be a bare hostname, without a path"]
    if "@" in host:
        return ["must be a bare hostname, without credentials"]
    if host.startswith("[") or host.count(":") > 1:
        return ["IP addresses are not allowed; use a hostname"]
    if ":" in host:
        return ["must be a bare hostname, without a port"]
    if host.endswith("."):
        return ["must not end with a dot"]
    if host != host.lower():
        return ["must be lowercase"]
    if not host.isascii():
        return ["must be ASCII; internationalized (IDN) names are not allowed"]
    if len(host) > MAX_HOST:
        return [f"longer than {MAX_HOST} characters"]
    labels = host.split(".")
    if all(label.isdigit() for label in labels if label):
        return ["IP addresses are not allowed; use a hostname"]
    problems: list[str] = []
    if len(labels) < 2:
        problems.append("must have at least two labels (single-label names are internal)")
    for label in labels:
        if not label:
            problems.append("has an empty label")
        elif len(label) > MAX_LABEL:
            problems.append(f"label {label[:20]!r}… is longer than {MAX_LABEL} characters")
        elif label.startswith("xn--"):
            problems.append(f"label {label!r} is punycode; IDN names are not allowed")
        elif not _LABEL.fullmatch(label):
            problems.append(
                f"label {label!r} may hold only a-z, 0-9 and inner hyphens"
            )
    if labels[-1].isdigit():
        problems.append("top-level label must not be numeric")
    return problems


@dataclass(frozen=True)
class PublicSuffixes:
    """The Public Suffix List (ICANN and private sections) as plain sets."""

    suffixes: frozenset[str]
    """Every public suffix rule, wildcards (``*.ck``) kept as written."""
    ancestors: frozenset[str]
    """Every domain that has a public suffix strictly below it."""

    def is_public_suffix(self, domain: str) -> bool:
        if domain in self.suffixes:
            return True
        parent = domain.partition(".")[2]
        return bool(parent) and f"*.{parent}" in self.suffixes and f"!{domain}" not in (
            self.suffixes
        )

    def has_suffix_below(self, domain: str) -> bool:
        return domain in self.ancestors


def _parse_psl(lines: Iterable[str]) -> PublicSuffixes:
    suffixes: set[str] = set()
    ancestors: set[str] = set()
    for line in lines:
        rule = line.strip().split(" ")[0].lower()
        if not rule or rule.startswith("//"):
            continue
        suffixes.add(rule)
        bare = rule.lstrip("!")
        if bare.startswith("*."):
            bare = bare[2:]
            ancestors.add(bare)  # `*.ck` puts public suffixes below `ck`
        labels = bare.split(".")
        for cut in range(1, len(labels)):
            ancestors.add(".".join(labels[cut:]))
    return PublicSuffixes(frozenset(suffixes), frozenset(ancestors))


@lru_cache(maxsize=1)
def public_suffixes() -> PublicSuffixes:
    """The list shipped with the ``publicsuffixlist`` package (updated with it)."""
    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    return _parse_psl(text.splitlines())


def split_wildcard(entry: str) -> tuple[bool, str]:
    """``*.example.com`` -> ``(True, "example.com")``; exact hosts -> ``(False, host)``."""
    if entry.startswith("*."):
        return True, entry[2:]
    return False, entry


def denied_by(host: str, denylist: Sequence[str]) -> str | None:
    """The denylist entry that ``host`` equals or is a subdomain of."""
    for denied in denylist:
        if host == denied or host.endswith("." + denied):
            return denied
    return None


def egress_problems(
    entry: str,
    *,
    denylist: Sequence[str] = (),
    wildcard_exceptions: Sequence[str] = (),
    psl: PublicSuffixes | None = None,
) -> list[str]:
    """Every reason ``entry`` is not an acceptable egress allowlist entry."""
    wildcard, host = split_wildcard(entry)
    if "*" in host:
        return ["a wildcard is allowed only as the whole first label: *.example.com"]
    problems = hostname_problems(host)
    if problems:
        return problems
    denied = denied_by(host, denylist)
    if denied is not None:
        problems.append(f"{host} is on the exfiltration denylist ({denied})")
    if wildcard:
        # A wildcard over a denied domain's parent reaches the denied domain.
        below = [d for d in denylist if d.endswith("." + host)]
        if below and denied is None:
            problems.append(f"*.{host} covers denylisted {below[0]}")
        if entry not in wildcard_exceptions:
            psl = psl or public_suffixes()
            if psl.is_public_suffix(host):
                problems.append(
                    f"{host} is a public suffix: *.{host} would reach every one of its "
                    "registrants; list the exact hosts"
                )
            elif psl.has_suffix_below(host):
                problems.append(
                    f"public suffixes exist under {host}: *.{host} would reach other "
                    "registrants' hosts; list the exact hosts"
                )
    return problems


def host_allowed(host: str, egress: Iterable[str]) -> bool:
    """Whether ``host`` is reachable under the egress allowlist."""
    for entry in egress:
        wildcard, suffix = split_wildcard(entry)
        if (wildcard and host.endswith("." + suffix)) or (not wildcard and host == suffix):
            return True
    return False


def egress_covers(wider: str, narrower: str) -> bool:
    """Whether every host allowed by egress entry ``narrower`` is allowed by ``wider``.

    ``*.example.com`` covers ``api.example.com`` and ``*.a.example.com`` but not
    ``example.com`` itself; an exact host covers only itself.
    """
    wide_wild, wide = split_wildcard(wider)
    narrow_wild, narrow = split_wildcard(narrower)
    if not wide_wild:
        return not narrow_wild and wide == narrow
    return narrow.endswith("." + wide) or (narrow_wild and narrow == wide)
