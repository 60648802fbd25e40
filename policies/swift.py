"""Swift container ACLs, read the way Swift reads them (openstack/swift, swift/common/middleware
acl.py and keystoneauth.py), so the pack judges what the proxy will grant, not a spelling.

What Swift does, step by step:
  1. The proxy cleans X-Container-Read/Write with `clean_acl`: items are split on commas and
     stripped; `.r`, `.ref`, `.referer` and `.referrer` designators (blanks around the colon
     allowed) become `.r:`; a leading `*` before a domain is dropped (`*.example.com` ->
     `.example.com`); a leading `-` negates. It refuses (400) a referrer in a write ACL, an empty
     referrer (`.r:`, `.r:-`, `.r:.`) and any other `.designator:`.
  2. `parse_acl_v1` splits the cleaned value again: `.r:` items are referrers, the others are
     groups, percent-decoded (`%2A:%2A` is `*:*`).
  3. Referrers grant reading objects (and listing with `.rlistings` among the groups) to any
     request whose Referer header matches, in order, negations last-wins. The Referer is the
     client's to send, so any host a referrer list allows makes the container public.
  4. keystoneauth grants a group `<project>:<user>` to a token of that project and user, where
     either side may be `*`; a group without a colon is a role of the container's own project.
Two items grant nothing by themselves yet are refused all the same, deliberately stricter than
Swift: `.rlistings` (it opens listing to whoever a referrer lets in, and a private container
has no use for it) and a bare `*` (no role keystoneauth knows, but a wildcard to a reader or
to another auth middleware).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

REFERRER_DESIGNATORS = (".r", ".ref", ".referer", ".referrer")


class AclRefused(ValueError):
    """Swift refuses the header (the proxy answers 400): the update would not apply."""


@dataclass(frozen=True)
class AclVerdict:
    refused: str | None = None
    # Items granting access beyond the project, with why, in the cleaned spelling.
    beyond: list[str] = field(default_factory=list)


def clean_acl(value: str, *, write: bool) -> list[str]:
    """The cleaned items, as swift.common.middleware.acl.clean_acl produces them."""
    items: list[str] = []
    for raw in value.split(","):
        raw = raw.strip()
        if not raw:
            continue
        if ":" not in raw:
            items.append(raw)
            continue
        first, second = (part.strip() for part in raw.split(":", 1))
        if not first or not first.startswith("."):
            items.append(raw)
        elif first in REFERRER_DESIGNATORS:
            if write:
                raise AclRefused(f"referrers are not allowed in a write ACL: {raw!r}")
            negate = False
            if second and second.startswith("-"):
                negate = True
                second = second[1:].strip()
            if second and second != "*" and second.startswith("*"):
                second = second[1:].strip()
            if not second or second == ".":
                raise AclRefused(f"no host or domain after the referrer designation: {raw!r}")
            items.append(f".r:{'-' if negate else ''}{second}")
        else:
            raise AclRefused(f"unknown designator {first!r} in {raw!r}")
    return items


def parse_acl(items: list[str]) -> tuple[list[str], list[str]]:
    """(referrers, groups) of cleaned items, as parse_acl_v1 reads `','.join(items)`."""
    referrers: list[str] = []
    groups: list[str] = []
    for item in ",".join(items).split(",") if items else []:
        if item.startswith(".r:"):
            referrers.append(item[len(".r:") :])
        else:
            groups.append(unquote(item))
    return referrers, groups


def referrer_allowed(referrer: str | None, referrers: list[str]) -> bool:
    """Swift's referrer_allowed: in order, a later negation overrides an earlier grant."""
    allow = False
    if referrers:
        rhost = urlparse(referrer or "").hostname or "unknown"
        for mhost in referrers:
            if mhost.startswith("-"):
                mhost = mhost[1:]
                if mhost == rhost or (mhost.startswith(".") and rhost.endswith(mhost)):
                    allow = False
            elif (
                mhost == "*" or mhost == rhost or (mhost.startswith(".") and rhost.endswith(mhost))
            ):
                allow = True
    return allow


def _reachable(host: str) -> bool:
    """Whether a client can make Swift see `host` as the Referer's host name."""
    try:
        return urlparse(f"http://{host}/").hostname == host
    except ValueError:
        return False


def public_referrers(referrers: list[str]) -> list[str]:
    """Referrer hosts a client could claim to be let in (empty: the list grants no one).

    Candidates: no Referer at all, a host no entry names, and each host or subdomain an entry
    names; each is run through Swift's own matching, negations included.
    """
    candidates = ["", "http://unlisted-host.invalid/"]
    for entry in referrers:
        name = entry.lstrip("-")
        if name == "*":
            continue
        host = f"a{name}" if name.startswith(".") else name
        if _reachable(host):
            candidates.append(f"http://{host}/")
    allowed = [c for c in candidates if referrer_allowed(c or None, referrers)]
    return [urlparse(c).hostname or "(no Referer)" for c in allowed]


def judge_acl(value: str, *, write: bool) -> AclVerdict:
    """What the container ACL grants beyond the project, or why Swift refuses it."""
    try:
        items = clean_acl(value, write=write)
    except AclRefused as error:
        return AclVerdict(refused=str(error))
    referrers, groups = parse_acl(items)
    beyond: list[str] = []
    public = public_referrers(referrers)
    if public:
        listing = " and listing (.rlistings)" if ".rlistings" in groups else ""
        shown = ",".join(f".r:{r}" for r in referrers)
        beyond.append(
            f"{shown} (objects{listing} readable by any client that sends a Referer of "
            f"{public[0]}: the header is the client's to choose)"
        )
    for group in groups:
        if group == ".rlistings" and not public:
            beyond.append(".rlistings (listing for whoever a referrer grant lets in)")
        elif group == "*":
            beyond.append("* (a wildcard group)")
        if ":" not in group:
            continue  # a role of the container's own project (keystoneauth)
        project, user = group.split(":", 1)
        if project == "*":
            beyond.append(f"{group} (any project)")
        elif user == "*":
            beyond.append(f"{group} (every user of project {project!r})")
    return AclVerdict(beyond=beyond)
