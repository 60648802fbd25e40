"""Neutron security-group rules and address sets, read the way Neutron reads them.

Neutron (neutron/extensions/securitygroup.py and neutron/db/securitygroups_db.py) accepts many
spellings of one rule: protocol names in any case or IANA numbers (`tcp`, `TCP`, `6`), `any` or
nothing for every protocol; `IPv4`/`ipv4`; a port range 1-65535 stored as "no range"; a prefix
written with a host part or a netmask. It also refuses rules: ports without a protocol, a
protocol that has no ports, min above max, an ethertype that contradicts the prefix, a remote
group and a prefix together. The pack normalises a rule exactly so, or says why Neutron would
refuse it: a refused rule is a violation (the program does not do what it declares), never
"not applicable". The bridged provider drops a zero port (Terraform's unset), before Neutron.

Address sets are unions of intervals per IP version, so a set of prefixes is judged by what it
covers: 0.0.0.0/1 and 128.0.0.0/1 together are the world. An IPv4-mapped IPv6 prefix
(::ffff:0:0/96) covers its IPv4 image too.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

# IANA numbers of the names Neutron accepts (neutron_lib.constants.IP_PROTOCOL_MAP).
PROTOCOLS: dict[str, int] = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2,
    "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}  # fmt: skip
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
PORT_PROTOCOLS = frozenset({33, 132, 6, 17, 136})  # dccp, sctp, tcp, udp, udplite
ICMP_PROTOCOLS = frozenset({ICMP, ICMPV6})
IPV6_ONLY = frozenset({"ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt",
                       "ipv6-opts", "ipv6-route", "41", "44", "58", "59", "60", "43"})  # fmt: skip
ALL_PORTS = (1, 65535)
MAPPED_V4 = ip_network("::ffff:0:0/96")


class Refused(ValueError):
    """Neutron (or the provider before it) refuses the rule; the message says why."""


class Unreadable(ValueError):
    """A value the pack cannot read as Neutron would (a prefix Python cannot parse)."""


def protocol_number(value: Any) -> int | None:
    """The IP protocol a rule matches (None: every protocol), as convert_protocol reads it."""
    if value is None or value == "any" or value == "":
        return None
    if isinstance(value, bool):
        raise Refused(f"protocol {value!r} is not a protocol name or number")
    number: int | None
    try:
        number = int(value)
    except (ValueError, TypeError):
        number = None
    if number is not None:
        if isinstance(value, float) and value != number:
            raise Refused(f"protocol {value!r} is not an integer")
        if 0 <= number <= 255:
            # Protocol 0 (`ip`, `hopopt`) becomes `-p 0` in iptables: every protocol.
            return None if number == 0 else number
        raise Refused(f"protocol {value!r} is outside 0-255")
    if not isinstance(value, str):
        raise Refused(f"protocol {value!r} is not a protocol name or number")
    name = value.lower()
    if name == "any":
        return None
    if name not in PROTOCOLS:
        raise Refused(f"protocol {value!r} is not a name Neutron knows")
    return PROTOCOLS[name] or None


def port_value(value: Any, field: str) -> int | None:
    """A port bound as convert_validate_port_value reads it; 0 is the provider's `unset`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Refused(f"{field} {value!r} is not a port")
    try:
        number = int(value)
    except (ValueError, TypeError) as error:
        raise Refused(f"{field} {value!r} is not a port number") from error
    if not 0 <= number <= 65535:
        raise Refused(f"{field} {value!r} is outside 0-65535")
    return None if number == 0 else number


Network = IPv4Network | IPv6Network


@dataclass(frozen=True)
class Rule:
    """A security-group rule as Neutron stores and enforces it."""

    direction: str
    ethertype: str
    protocol: int | None  # None: every protocol
    ports: tuple[int, int] | None  # None: every port (or a protocol without ports)
    prefix: Network | None  # None with no remote group: the whole ethertype's space
    remote_group: Any = None

    @property
    def opens_ports(self) -> tuple[int, int] | None:
        """The TCP/UDP-style ports reached; every port when the protocol has no ports at all."""
        if self.protocol in ICMP_PROTOCOLS:
            return None
        if self.protocol is None or self.protocol not in PORT_PROTOCOLS:
            return ALL_PORTS
        return self.ports or ALL_PORTS

    def reaches(self, port: int) -> bool:
        opened = self.opens_ports
        return opened is not None and opened[0] <= port <= opened[1]

    def only(self, protocol: int, port: int) -> bool:
        return self.protocol == protocol and self.ports == (port, port)

    @property
    def remote(self) -> Network | None:
        """The range traffic comes from (ingress) or goes to (egress); None for a group."""
        if self.remote_group is not None:
            return None
        if self.prefix is not None:
            return self.prefix
        return ip_network("::/0" if self.ethertype == "IPv6" else "0.0.0.0/0")

    def describe(self, spelled: Any = None) -> str:
        """`ports 22-22 (tcp)`: what it opens, with the protocol as the program spelled it."""
        protocol = (
            spelled
            if spelled not in (None, "")
            else ("any protocol" if self.protocol is None else str(self.protocol))
        )
        opened = self.opens_ports
        if opened is None:
            return f"ICMP ({protocol})"
        if opened == ALL_PORTS:
            return f"all ports ({protocol})"
        return f"ports {opened[0]}-{opened[1]} ({protocol})"


def _ethertype(value: Any) -> str:
    if value is None or value == "":
        return "IPv4"  # Neutron's default
    if isinstance(value, str):
        for known in ("IPv4", "IPv6"):
            if value.lower() == known.lower():
                return known
    raise Refused(f"ethertype {value!r} is neither IPv4 nor IPv6")


def parse_prefix(value: Any) -> Network | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Refused(f"remote_ip_prefix {value!r} is not a CIDR")
    try:
        return ip_network(value, strict=False)
    except ValueError as error:
        raise Unreadable(
            f"remote_ip_prefix {value!r} is not a CIDR the pack can read as Neutron would"
        ) from error


def normalise(inputs: Mapping[str, Any]) -> Rule:
    """The rule Neutron would create from these inputs (camelCase, as Pulumi sends them).

    Raises Refused when Neutron (or the provider) would refuse it, Unreadable when the pack
    cannot read a value as Neutron would.
    """
    direction = inputs.get("direction")
    if direction not in ("ingress", "egress"):
        raise Refused(f"direction {direction!r} is neither ingress nor egress")
    ethertype = _ethertype(inputs.get("ethertype"))
    raw_protocol = inputs.get("protocol")
    protocol = protocol_number(raw_protocol)
    low = port_value(inputs.get("portRangeMin"), "port_range_min")
    high = port_value(inputs.get("portRangeMax"), "port_range_max")
    if (low, high) == ALL_PORTS:
        low = high = None  # _make_canonical_port_range
    raw_number = None if raw_protocol in (None, "") else protocol_number(raw_protocol)
    if low is not None or high is not None:
        if raw_protocol in (None, "") or (
            isinstance(raw_protocol, str) and raw_protocol.lower() == "any"
        ):
            raise Refused("a port range needs a protocol")
        if raw_number in PORT_PROTOCOLS:
            if low is None or high is None or low > high:
                raise Refused(f"port range {low}-{high} is not min <= max with both set")
        elif raw_number in ICMP_PROTOCOLS:
            if low is None and high is not None:
                raise Refused("an ICMP code needs an ICMP type")
            if (low is not None and low > 255) or (high is not None and high > 255):
                raise Refused("ICMP type and code are 0-255")
        else:
            raise Refused(f"protocol {raw_protocol!r} has no ports")
    if isinstance(raw_protocol, str) and raw_protocol.lower() in IPV6_ONLY and ethertype == "IPv4":
        raise Refused(f"protocol {raw_protocol!r} is IPv6-only but the ethertype is IPv4")
    prefix = parse_prefix(inputs.get("remoteIpPrefix"))
    group = inputs.get("remoteGroupId")
    group = None if group in (None, "") else group
    if prefix is not None and group is not None:
        raise Refused("a rule has either a remote group or a remote prefix, not both")
    if inputs.get("remoteAddressGroupId") not in (None, ""):
        raise Unreadable("remote address groups are not read by the pack")
    if prefix is not None and f"IPv{prefix.version}" != ethertype:
        raise Refused(f"prefix {prefix} does not match ethertype {ethertype}")
    ports = None if protocol not in PORT_PROTOCOLS or low is None or high is None else (low, high)
    return Rule(direction, ethertype, protocol, ports, prefix, group)


# --- address sets ------------------------------------------------------------------------------

Intervals = dict[int, list[tuple[int, int]]]


def _add(intervals: Intervals, network: Network) -> None:
    intervals.setdefault(network.version, []).append(
        (int(network.network_address), int(network.broadcast_address))
    )
    if network.version == 6 and (network.subnet_of(MAPPED_V4) or MAPPED_V4.subnet_of(network)):  # type: ignore[arg-type]
        # IPv4-mapped addresses (::ffff:a.b.c.d) are the IPv4 space seen from IPv6.
        start = max(int(network.network_address), int(MAPPED_V4.network_address))
        end = min(int(network.broadcast_address), int(MAPPED_V4.broadcast_address))
        base = int(MAPPED_V4.network_address)
        intervals.setdefault(4, []).append((start - base, end - base))


def _merged(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    for start, end in sorted(items):
        if result and start <= result[-1][1] + 1:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def address_set(networks: Iterable[Network]) -> Intervals:
    intervals: Intervals = {}
    for network in networks:
        _add(intervals, network)
    return {version: _merged(items) for version, items in intervals.items()}


def outside(networks: Iterable[Network], allowed: Iterable[Network]) -> Intervals:
    """What the union of `networks` covers beyond the union of `allowed`."""
    have, ok = address_set(networks), address_set(allowed)
    result: Intervals = {}
    for version, items in have.items():
        rest: list[tuple[int, int]] = []
        for start, end in items:
            cursor = start
            for ok_start, ok_end in ok.get(version, []):
                if ok_end < cursor or ok_start > end:
                    continue
                if ok_start > cursor:
                    rest.append((cursor, ok_start - 1))
                cursor = max(cursor, ok_end + 1)
                if cursor > end:
                    break
            if cursor <= end:
                rest.append((cursor, end))
        if rest:
            result[version] = rest
    return result


def covers_everything(intervals: Intervals, version: int) -> bool:
    top = (1 << (32 if version == 4 else 128)) - 1
    return intervals.get(version, []) == [(0, top)]


def describe_set(intervals: Intervals) -> str:
    parts = []
    for version in sorted(intervals):
        if covers_everything(intervals, version):
            parts.append("the whole IPv4 Internet" if version == 4 else "the whole IPv6 Internet")
            continue
        cls = IPv4Network if version == 4 else IPv6Network
        for start, end in intervals[version][:3]:
            size = end - start + 1
            if size & (size - 1) == 0 and start % size == 0:
                bits = (32 if version == 4 else 128) - size.bit_length() + 1
                parts.append(str(cls((start, bits))))
            else:
                parts.append(
                    f"{cls((start, 32 if version == 4 else 128)).network_address}-"
                    f"{cls((end, 32 if version == 4 else 128)).network_address}"
                )
        if len(intervals[version]) > 3:
            parts.append("...")
    return ", ".join(parts)


# --- which rules reach the whole Internet together: a sweep, n log n ---------------------------


class _Coverage:
    """How much of [0, size) a multiset of intervals covers (a segment tree over the interval
    ends, with a count per node): each add or remove is O(log n)."""

    def __init__(self, points: list[int]) -> None:
        self.points = points  # sorted, distinct, first 0, last the size
        self.count = [0] * (4 * len(points))
        self.covered = [0] * (4 * len(points))

    def update(self, lo: int, hi: int, delta: int) -> None:
        """Add `delta` to [lo, hi) (both among `points`)."""
        self._update(1, 0, len(self.points) - 1, lo, hi, delta)

    def _update(self, node: int, left: int, right: int, lo: int, hi: int, delta: int) -> None:
        if hi <= self.points[left] or self.points[right] <= lo:
            return
        if lo <= self.points[left] and self.points[right] <= hi:
            self.count[node] += delta
        else:
            middle = (left + right) // 2
            self._update(2 * node, left, middle, lo, hi, delta)
            self._update(2 * node + 1, middle, right, lo, hi, delta)
        if self.count[node] > 0:
            self.covered[node] = self.points[right] - self.points[left]
        elif right - left == 1:
            self.covered[node] = 0
        else:
            self.covered[node] = self.covered[2 * node] + self.covered[2 * node + 1]

    @property
    def total(self) -> int:
        return self.covered[1]


def _port_span(rule_: Rule, protocol: int | None) -> tuple[int, int]:
    """The ports `rule_` matches among packets of `protocol` (one point when it has none)."""
    if protocol in ICMP_PROTOCOLS or (protocol is not None and protocol not in PORT_PROTOCOLS):
        return (0, 0)
    return rule_.opens_ports or ALL_PORTS


def _covered_spans(
    members: list[tuple[tuple[int, int], tuple[int, int]]], size: int
) -> list[tuple[int, int]]:
    """Port spans where the address intervals of the members alive there cover [0, size).

    `members`: ((first port, last port), (first address, last address)) per rule.
    """
    points = sorted({0, size, *(a for _, (a, _) in members), *(b + 1 for _, (_, b) in members)})
    coverage = _Coverage(points)
    events: list[tuple[int, int, int, int]] = []
    for (first, last), (low, high) in members:
        events.append((first, 1, low, high + 1))
        events.append((last + 1, -1, low, high + 1))
    events.sort()
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(events):
        port = events[index][0]
        while index < len(events) and events[index][0] == port:
            _, delta, low, high = events[index]
            coverage.update(low, high, delta)
            index += 1
        if coverage.total == size and index < len(events):
            spans.append((port, events[index][0] - 1))
    return spans


def world_reach(rules: list[Rule]) -> dict[int, str]:
    """For each rule (by index) that reaches the whole Internet together with the rules that
    match the same packets (same direction, protocol or any, an overlapping port), which one:
    "the whole IPv4 Internet" or "the whole IPv6 Internet".

    A plane sweep over ports with a segment tree over addresses, per direction, protocol and IP
    version: O(n log n) in the number of rules (times the few protocols present), never pairs.
    """
    found: dict[int, str] = {}
    for direction in ("ingress", "egress"):
        chosen = [i for i, r in enumerate(rules) if r.direction == direction]
        protocols = sorted({p for i in chosen if (p := rules[i].protocol) is not None})
        candidates: list[int | None] = [*protocols, None]
        for protocol in candidates:
            members = [
                i
                for i in chosen
                if rules[i].protocol is None
                or (protocol is not None and rules[i].protocol == protocol)
            ]
            for version, bits in ((4, 32), (6, 128)):
                size = 1 << bits
                spans_of: list[tuple[int, tuple[int, int], tuple[int, int]]] = []
                for i in members:
                    remote = rules[i].remote
                    if remote is None:
                        continue
                    for low, high in address_set([remote]).get(version, []):
                        spans_of.append((i, _port_span(rules[i], protocol), (low, high)))
                if not spans_of:
                    continue
                covered = _covered_spans([(ports, addr) for _, ports, addr in spans_of], size)
                if not covered:
                    continue
                starts = [first for first, _ in covered]
                for i, (first, last), _ in spans_of:
                    at = bisect_right(starts, last) - 1
                    if at >= 0 and covered[at][1] >= first:
                        found.setdefault(i, f"the whole IPv{version} Internet")
    return found
