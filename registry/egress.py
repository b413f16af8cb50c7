"""What an egress allowlist means: which hosts an entry reaches, and who owns them.

An egress entry is either an exact hostname (``api.example.com``) or a
wildcard ``*.suffix`` that matches hosts one or more labels below ``suffix``
(never ``suffix`` itself). Lint, the entitlement diff and the site all read
entries through these functions, so they agree on what an entry allows.

Who owns a host is read from the Public Suffix List (ICANN and private
sections, as shipped with the ``publicsuffixlist`` package): a host's
*registrable domain* is its public suffix plus one label, the unit one
organisation registers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import publicsuffixlist


def split_wildcard(entry: str) -> tuple[bool, str]:
    """``*.example.com`` -> ``(True, "example.com")``; exact hosts -> ``(False, host)``."""
    if entry.startswith("*."):
        return True, entry[2:]
    return False, entry


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


def within(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or a subdomain of it."""
    return host == domain or host.endswith("." + domain)


@dataclass(frozen=True)
class PublicSuffixes:
    """The Public Suffix List as plain sets, with the ICANN top-level domains apart."""

    suffixes: frozenset[str]
    """Every public suffix rule, wildcards (``*.ck``) and exceptions (``!www.ck``) as written."""
    ancestors: frozenset[str]
    """Every domain that has a public suffix strictly below it."""
    icann_tlds: frozenset[str]
    """The delegated top-level domains (single-label rules of the ICANN section)."""

    def is_public_suffix(self, domain: str) -> bool:
        if domain in self.suffixes:
            return True
        parent = domain.partition(".")[2]
        return (
            bool(parent) and f"*.{parent}" in self.suffixes and f"!{domain}" not in (self.suffixes)
        )

    def has_suffix_below(self, domain: str) -> bool:
        return domain in self.ancestors

    def registrable_domain(self, host: str) -> str:
        """The public suffix of ``host`` plus one label (``host`` itself when it is shorter)."""
        labels = host.split(".")
        for cut in range(1, len(labels)):
            if self.is_public_suffix(".".join(labels[cut:])):
                return ".".join(labels[cut - 1 :])
        # No listed suffix: the last label is the implicit one (the PSL's "*" rule).
        return ".".join(labels[-2:])


def parse_psl(lines: Iterable[str]) -> PublicSuffixes:
    """Read the Public Suffix List's text (``//`` comments, section markers)."""
    suffixes: set[str] = set()
    ancestors: set[str] = set()
    tlds: set[str] = set()
    icann = False
    for line in lines:
        stripped = line.strip()
        if "===BEGIN ICANN DOMAINS===" in stripped:
            icann = True
        elif "===END ICANN DOMAINS===" in stripped:
            icann = False
        rule = stripped.split(" ")[0].lower()
        if not rule or rule.startswith("//"):
            continue
        suffixes.add(rule)
        bare = rule.lstrip("!")
        if bare.startswith("*."):
            bare = bare[2:]
            ancestors.add(bare)  # `*.ck` puts public suffixes below `ck`
        labels = bare.split(".")
        if icann and len(labels) == 1 and not rule.startswith("!"):
            tlds.add(bare)
        for cut in range(1, len(labels)):
            ancestors.add(".".join(labels[cut:]))
    return PublicSuffixes(frozenset(suffixes), frozenset(ancestors), frozenset(tlds))


@lru_cache(maxsize=1)
def public_suffixes() -> PublicSuffixes:
    """The list shipped with the ``publicsuffixlist`` package (updated with it)."""
    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    return parse_psl(text.splitlines())


def registrable_domains(egress: Iterable[str], psl: PublicSuffixes) -> tuple[str, ...]:
    """The registrable domains an allowlist reaches, in first-seen order.

    A wildcard reaches the registrable domains of the hosts below its suffix:
    one domain when the suffix is itself registrable or below one, and (for a
    reviewed wildcard over a public suffix) the suffix itself stands for all of
    them.
    """
    seen: dict[str, None] = {}
    for entry in egress:
        _, host = split_wildcard(entry)
        domain = host if psl.is_public_suffix(host) else psl.registrable_domain(host)
        seen.setdefault(domain, None)
    return tuple(seen)


@dataclass(frozen=True)
class VendorGroup:
    """The registrable domains one organisation owns (a line of ``policy/vendor-domains.txt``).

    A token that is itself a public suffix (``googleapis.com``) stands for every
    registrable domain one label below it (``gmail.googleapis.com``) and for a
    reviewed wildcard over it; any other token stands for itself only.
    """

    vendor: str
    tokens: tuple[str, ...]
    line: int

    def covers(self, unit: str, psl: PublicSuffixes) -> bool:
        for token in self.tokens:
            if unit == token:
                return True
            if (
                psl.is_public_suffix(token)
                and unit.endswith("." + token)
                and (unit.count(".") == token.count(".") + 1)
            ):
                return True
        return False


def same_organisation(
    units: Iterable[str], groups: Iterable[VendorGroup], psl: PublicSuffixes
) -> bool:
    """Whether all ``units`` (registrable domains) belong to one organisation."""
    units = list(units)
    if len(set(units)) <= 1:
        return True
    return any(all(group.covers(unit, psl) for unit in units) for group in groups)
