"""Rules for hosts: egress entries, denylist entries and the hosts of base URLs.

A host must be a public DNS name that every resolver and URL parser reads the
same way: lowercase ASCII labels under a delegated top-level domain. It is
never an IP address in any of the spellings resolvers and URL parsers accept
(``0x7f.1``, ``2130706433``, ``127.0.0.0x1``: the WHATWG URL standard reads any
host whose last label is a number as IPv4), never a name that only resolves
inside a network (``.internal``, ``.corp``, ``cluster.local``), never on the
exfiltration denylist, and a wildcard never sits on a public suffix or on a
platform where every tenant runs its own HTTP server.

Each check returns ``(rule, message)`` problems so lint can report all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from registry import rules
from registry.egress import (
    PublicSuffixes,
    VendorGroup,
    public_suffixes,
    split_wildcard,
    within,
)
from registry.rules import Rule

MAX_HOST = 253
MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# inet_aton() and WHATWG IPv4 parts: decimal, octal (leading 0) or hex (0x, digits optional).
_NUMBER_LABEL = re.compile(r"^(?:[0-9]+|0[xX][0-9a-fA-F]*)$")

Problem = tuple[Rule, str]

@dataclass(frozen=True)
class InternalName:
    """A name (or, with ``suffix``, a domain and everything below it) private to networks."""

    name: str
    suffix: bool
    reason: str


def _data_lines(filename: str) -> list[tuple[str, str]]:
    """``(entry, comment)`` per non-empty line of one of the lint data files."""
    # Package data beside this module (a wheel installs it unzipped).
    text = (Path(__file__).parent / "data" / filename).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        entry, _, comment = line.partition("#")
        if entry.strip():
            lines.append((entry.strip().lower(), comment.strip()))
    return lines


@lru_cache(maxsize=1)
def internal_names() -> tuple[InternalName, ...]:
    """Names that resolve only inside a network (``registry/lint/data/internal-names.txt``).

    Longest first, so the most specific reason is the one reported.
    """
    names = []
    for entry, reason in _data_lines("internal-names.txt"):
        kind, _, name = entry.partition(" ")
        names.append(InternalName(name.strip(), kind == "suffix", reason))
    return tuple(sorted(names, key=lambda n: -len(n.name)))


@lru_cache(maxsize=1)
def tenant_platforms() -> tuple[str, ...]:
    """Platforms where any tenant serves HTTP (``registry/lint/data/tenant-platforms.txt``)."""
    return tuple(entry for entry, _ in _data_lines("tenant-platforms.txt"))


def is_ip_like(host: str) -> bool:
    """Whether some resolver or URL parser reads ``host`` as an IP address.

    IPv6 literals, and any host whose last label is a number (decimal, octal
    or hex, the WHATWG "ends in a number" rule) or whose labels are all numbers
    (``inet_aton`` forms such as ``0x7f.1`` or ``2130706433``).
    """
    if host.startswith("[") or ":" in host:
        return True
    labels = [label for label in host.split(".") if label]
    if not labels:
        return False
    return _NUMBER_LABEL.fullmatch(labels[-1]) is not None or all(
        _NUMBER_LABEL.fullmatch(label) for label in labels
    )


def hostname_problems(
    host: str, psl: PublicSuffixes | None = None, *, wildcard: bool = False
) -> list[Problem]:
    """Why ``host`` is not an acceptable hostname (empty list: it is).

    ``wildcard``: ``host`` is the suffix of a ``*.host`` entry, which also
    reaches every name below it.
    """
    if not host:
        return [(rules.HOST_SYNTAX, "host is empty")]
    if "://" in host:
        return [(rules.HOST_SYNTAX, "must be a bare hostname, without a scheme")]
    if any(c in host for c in "/?#\\"):
        return [(rules.HOST_SYNTAX, "must be a bare hostname, without a path")]
    if "@" in host:
        return [(rules.HOST_SYNTAX, "must be a bare hostname, without credentials")]
    if host.startswith("[") or host.count(":") > 1:
        return [(rules.HOST_IP, "IP addresses are not allowed; use a hostname")]
    if ":" in host:
        return [(rules.HOST_SYNTAX, "must be a bare hostname, without a port")]
    if host.endswith("."):
        return [(rules.HOST_SYNTAX, "must not end with a dot")]
    if not host.isascii():
        return [(rules.HOST_IDN, "must be ASCII; internationalized (IDN) names are not allowed")]
    if host != host.lower():
        return [(rules.HOST_SYNTAX, "must be lowercase")]
    if len(host) > MAX_HOST:
        return [(rules.HOST_SYNTAX, f"longer than {MAX_HOST} characters")]
    if is_ip_like(host):
        return [
            (
                rules.HOST_IP,
                "IP addresses are not allowed, in any spelling (a host whose last label is a "
                "number is read as IPv4 by URL parsers); use a hostname",
            )
        ]
    labels = host.split(".")
    problems: list[Problem] = []
    for label in labels:
        if not label:
            problems.append((rules.HOST_SYNTAX, "has an empty label"))
        elif len(label) > MAX_LABEL:
            problems.append(
                (rules.HOST_SYNTAX, f"label {label[:20]!r}… is longer than {MAX_LABEL} characters")
            )
        elif label.startswith("xn--"):
            problems.append(
                (rules.HOST_IDN, f"label {label!r} is punycode; IDN names are not allowed")
            )
        elif not _LABEL.fullmatch(label):
            problems.append(
                (rules.HOST_SYNTAX, f"label {label!r} may hold only a-z, 0-9 and inner hyphens")
            )
    if problems:
        return problems
    internal = _internal_problem(host, psl or public_suffixes(), wildcard=wildcard)
    return [internal] if internal else []


def _internal_problem(host: str, psl: PublicSuffixes, *, wildcard: bool) -> Problem | None:
    names = internal_names()
    for name in names:
        if name.suffix and within(host, name.name):
            return (
                rules.HOST_INTERNAL,
                f"{host} only resolves inside a network (.{name.name}: {name.reason})",
            )
    if wildcard and psl.is_public_suffix(host):
        return None  # the public-suffix rule judges *.com
    for name in names:
        if not name.suffix and host == name.name:
            return (rules.HOST_INTERNAL, f"{host} only resolves inside a network ({name.reason})")
        if not name.suffix and wildcard and within(name.name, host):
            return (
                rules.HOST_INTERNAL,
                f"*.{host} reaches {name.name}, which only resolves inside a network "
                f"({name.reason})",
            )
    if "." not in host:
        return (
            rules.HOST_INTERNAL,
            f"{host}: single-label names only resolve inside a network (search domains); "
            "use the fully qualified name",
        )
    tld = host.rsplit(".", 1)[1]
    if tld not in psl.icann_tlds:
        return (
            rules.HOST_INTERNAL,
            f"{host} only resolves inside a network: .{tld} is not a delegated top-level "
            "domain",
        )
    return None


def denied_by(host: str, denylist: Sequence[str]) -> str | None:
    """The denylist entry that ``host`` equals or is a subdomain of."""
    for denied in denylist:
        if within(host, denied):
            return denied
    return None


@dataclass(frozen=True)
class HostPolicy:
    """What egress entries are checked against, besides their syntax."""

    denylist: Sequence[str] = ()
    wildcard_exceptions: Sequence[str] = ()
    vendor_groups: Sequence[VendorGroup] = ()
    psl: PublicSuffixes | None = None

    @property
    def suffixes(self) -> PublicSuffixes:
        return self.psl or public_suffixes()


def egress_problems(entry: str, policy: HostPolicy) -> list[Problem]:
    """Every reason ``entry`` is not an acceptable egress allowlist entry."""
    wildcard, host = split_wildcard(entry)
    if "*" in host:
        return [
            (
                rules.WILDCARD_SHAPE,
                "a wildcard is allowed only as the whole first label: *.example.com",
            )
        ]
    psl = policy.suffixes
    problems = hostname_problems(host, psl, wildcard=wildcard)
    if problems:
        return problems
    denied = denied_by(host, policy.denylist)
    if denied is not None:
        problems.append((rules.DENYLISTED, f"{host} is on the exfiltration denylist ({denied})"))
    if not wildcard:
        return problems
    # A wildcard over a denied domain's parent reaches the denied domain.
    below = [d for d in policy.denylist if d.endswith("." + host)]
    if below and denied is None:
        problems.append((rules.WILDCARD_OVER_DENYLISTED, f"*.{host} covers denylisted {below[0]}"))
    if entry in policy.wildcard_exceptions:
        return problems
    platform = next((p for p in tenant_platforms() if within(p, host) or within(host, p)), None)
    if psl.is_public_suffix(host):
        problems.append(
            (
                rules.WILDCARD_PUBLIC_SUFFIX,
                f"{host} is a public suffix: *.{host} would reach every one of its "
                "registrants; list the exact hosts",
            )
        )
    elif psl.has_suffix_below(host):
        problems.append(
            (
                rules.WILDCARD_SUFFIX_BELOW,
                f"public suffixes exist under {host}: *.{host} would reach other "
                "registrants' hosts; list the exact hosts",
            )
        )
    elif platform is not None:
        problems.append(
            (
                rules.WILDCARD_TENANT_PLATFORM,
                f"*.{host} reaches {platform}, where any tenant runs its own HTTP server; "
                "list the exact hosts",
            )
        )
    return problems


_VENDOR = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def parse_vendor_groups(
    lines: Sequence[tuple[str, int]],
) -> tuple[list[VendorGroup], list[tuple[int, str]]]:
    """The groups of ``vendor: domain domain …`` lines, and ``(line, problem)`` for bad ones."""
    groups: list[VendorGroup] = []
    problems: list[tuple[int, str]] = []
    owner: dict[str, str] = {}
    for text, line in lines:
        vendor, colon, rest = text.partition(":")
        vendor = vendor.strip()
        tokens = tuple(rest.split())
        if not colon or not _VENDOR.fullmatch(vendor) or not tokens:
            problems.append((line, f"{text}: must be `vendor: domain domain …`"))
            continue
        bad = [token for token in tokens if "." not in token or hostname_problems(token)]
        taken = [token for token in tokens if owner.get(token, vendor) != vendor]
        if bad:
            problems.append((line, f"{vendor}: {bad[0]} is not a domain"))
        elif taken:
            problems.append((line, f"{vendor}: {taken[0]} is already {owner[taken[0]]}'s"))
        else:
            owner.update(dict.fromkeys(tokens, vendor))
            groups.append(VendorGroup(vendor, tokens, line))
    return groups, problems


def list_entry_problems(entry: str) -> list[Problem]:
    """Why a denylist line is not a domain (single labels such as ``internal`` are fine)."""
    if "." not in entry:
        return [] if _LABEL.fullmatch(entry) else [(rules.HOST_SYNTAX, "is not a domain")]
    return [p for p in hostname_problems(entry) if p[0] is not rules.HOST_INTERNAL]


def hosts_of(entries: Iterable[str]) -> list[str]:
    """The suffix or host of each egress entry (wildcards without ``*.``)."""
    return [split_wildcard(entry)[1] for entry in entries]
