"""Which URLs and addresses weft may fetch: the guard against server-side request forgery.

Every image URL weft downloads comes from a crawled page, so every URL is written by a stranger.
On a cloud VM a page that says `<img src="http://169.254.169.254/latest/meta-data/">` would, if
fetched, hand the instance's credentials to whoever reads the shards; `http://10.0.0.5:9200/`
reaches an internal service. So the downloader refuses, by default, every destination that is
not a public unicast address. Two checks share one `NetworkPolicy`:

- `check_url` is cheap and needs no DNS: syntax, scheme, port, and hosts that are IP literals
  (in every spelling a resolver accepts) or names that always mean "this machine or this LAN".
  The image stage runs it on every slot before download, and the redirect handler runs it on
  every `Location` before following it.
- `resolve_and_check` runs at connect time (see `weft.pipeline.net.safe_http`): it resolves the name once,
  refuses if any resolved address is forbidden, and returns the addresses to connect to. The
  socket connects to exactly those, so a name that resolves to a public address for a pre-check
  and to 127.0.0.1 a moment later (DNS rebinding) is still refused.

`check_url` is a filter, not the guarantee: a URL it passes can still be refused at connect time.
It reads the host the way urllib does (scheme and authority split as `urllib.parse.urlsplit`
does, host percent-decoded as `urllib.request.Request` does, non-ASCII hosts IDNA-encoded as the
`socket` module does), and it rejects what different parsers read differently (backslashes or
whitespace in the authority) so that it and the connection agree on the host.

Forbidden address classes (`address_forbidden` returns the name; the tables below are explicit
rather than `ipaddress.is_private` & co., whose answers changed between Python patch releases):

- IPv4: `unspecified` 0.0.0.0, `this_network` 0/8, `private` 10/8 172.16/12 192.168/16,
  `shared_cgnat` 100.64/10 (also Alibaba Cloud's metadata at 100.100.100.200), `loopback` 127/8,
  `link_local` 169.254/16 (cloud metadata 169.254.169.254), `ietf_protocol` 192.0.0/24,
  `documentation` 192.0.2/24 198.51.100/24 203.0.113/24, `benchmarking` 198.18/15,
  `reserved` 192.88.99/24 (old 6to4 relays) and 240/4, `multicast` 224/4,
  `broadcast` 255.255.255.255.
- IPv6: `unspecified` ::, `loopback` ::1, `ipv4_compatible` ::/96 (deprecated; all of it),
  `private` fc00::/7 (ULA; AWS metadata fd00:ec2::254), `link_local` fe80::/10, `site_local`
  fec0::/10, `multicast` ff00::/8, `nat64_local` 64:ff9b:1::/48, `documentation` 2001:db8::/32 and
  3fff::/20, `benchmarking` 2001:2::/48, `reserved` 2001:10::/28, 2001:20::/28 (ORCHID) and
  everything outside 2000::/3 (the only block assigned for global unicast).
- IPv6 forms that carry an IPv4 address are judged by that address, as `<form>:<class>`:
  IPv4-mapped ::ffff:0:0/96 (`ipv4_mapped:loopback` for ::ffff:127.0.0.1), NAT64 64:ff9b::/96
  (`nat64:...`), 6to4 2002::/16 (`6to4:...`, the v4 in bits 16-48), and Teredo 2001::/32
  (`teredo:...`, both the server and the de-obfuscated client address). Such an address whose
  embedded IPv4 address is public is allowed, as that address would be.

Host names refused without DNS (`blocked_host`): `localhost` and `*.localhost` (RFC 6761: always
loopback), `*.local` (mDNS, RFC 6762: the LAN), `*.internal` (ICANN's private-use TLD; GCP's
`metadata.google.internal`), `*.home.arpa` (RFC 8375: home networks). Every other name is
resolved and judged by its addresses.

`allow_private_networks=True` lifts the address and host-name checks (the demo and tests fetch
from 127.0.0.1), never the scheme or port checks. `allow_hosts` lifts them for exactly the hosts
it names, compared after the same normalisation as URLs (case, trailing dot, IPv4 spellings,
IPv6 compression): an entry `127.0.0.2` admits `http://127.0.0.2/` and `http://0x7f.0.0.2/`, but
not a name that happens to resolve to 127.0.0.2.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import unquote, urlsplit

__all__ = [
    "NetworkPolicy",
    "REFUSAL_REASONS",
    "Refused",
    "address_forbidden",
    "check_url",
    "resolve_and_check",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSAL_REASONS = frozenset(
    {"blocked_scheme", "blocked_address", "blocked_host", "invalid_url", "dns_error"}
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """A URL or address the policy does not let weft fetch, raised before any connection to it.

    `reason` is one of `REFUSAL_REASONS`, so a caller can count refusals by kind; `detail` is one
    line for the error message. The arguments are kept in `args`, so the exception survives
    pickling between worker processes. It is deliberately not an `OSError`: urllib wraps OSErrors
    raised while connecting in `URLError`, and a refusal must reach the caller as itself.
    """

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REFUSAL_REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        # A stable prefix: img2dataset keeps only str(error), and `safe_http.classify_message`
        # reads the reason back from it.
        return f"refused ({self.reason}): {self.detail}"


def _normalise_schemes(schemes: Iterable[str]) -> frozenset[str]:
    if isinstance(schemes, str):
        raise TypeError("allowed_schemes must be a collection of scheme names, not a string")
    return frozenset(s.lower() for s in schemes)


def _normalise_ports(ports: Iterable[int] | None) -> frozenset[int] | None:
    if ports is None:
        return None
    normalised = frozenset(int(p) for p in ports)
    bad = sorted(p for p in normalised if not 1 <= p <= 65535)
    if bad:
        raise ValueError(f"allowed_ports must be in 1..65535, not {bad}")
    return normalised


def _normalise_allow_hosts(hosts: Iterable[str]) -> frozenset[str]:
    if isinstance(hosts, str):
        # frozenset("localhost") would silently allow the hosts "l", "o", "c", ...
        raise TypeError("allow_hosts must be a collection of host names, not a string")
    normalised = set()
    for host in hosts:
        try:
            name, _ip = _canonical_host(host)
        except Refused as refused:
            raise ValueError(f"allow_hosts entry {host!r} is not a host: {refused.detail}") from None
        normalised.add(name)
    return frozenset(normalised)


@dataclass(frozen=True)
class NetworkPolicy:
    """Where a download may go; one per job, passed to every check and to the opener.

    Any iterable is accepted for the collection fields (a TOML job spec gives lists); they are
    normalised to frozensets, host names canonicalised, so two equal policies compare equal.
    """

    allow_private_networks: bool = field(
        default=False,
        metadata={
            "help": "Allow loopback, private, link-local and other non-public addresses and "
            "local host names (--allow-private-networks). Only for tests and the demo, which "
            "serve images from 127.0.0.1; never on a machine with a metadata service."
        },
    )
    allow_hosts: frozenset[str] = field(
        default=frozenset(),
        metadata={
            "help": "Host names or IP literals exempt from the address check (e.g. an internal "
            "image mirror). Matched exactly after normalisation; not by resolved address."
        },
    )
    allowed_schemes: frozenset[str] = field(
        default=frozenset({"http", "https"}),
        metadata={
            "help": "URL schemes that may be fetched. weft.pipeline.net.safe_http only speaks http and "
            "https, and follows redirects to nothing else whatever this says."
        },
    )
    allowed_ports: frozenset[int] | None = field(
        default=None,
        metadata={
            "help": "Destination ports that may be used, or None for any port: image hosts use "
            "many (8080, 8443, ...), and the address check already keeps internal services out."
        },
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow_private_networks", bool(self.allow_private_networks))
        object.__setattr__(self, "allow_hosts", _normalise_allow_hosts(self.allow_hosts))
        object.__setattr__(self, "allowed_schemes", _normalise_schemes(self.allowed_schemes))
        object.__setattr__(self, "allowed_ports", _normalise_ports(self.allowed_ports))


# -- address classes ----------------------------------------------------------------------------

def _nets(*pairs: tuple[str, str]) -> tuple[tuple[ipaddress._BaseNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), name) for net, name in pairs)


# First match wins, so the more specific entries come first (broadcast before 240/4).
_V4_FORBIDDEN = _nets(
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "this_network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared_cgnat"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "ietf_protocol"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)

_V6_FORBIDDEN_BEFORE_EMBEDDED = _nets(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
)
_V6_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_V6_COMPATIBLE = ipaddress.ip_network("::/96")
_V6_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V6_6TO4 = ipaddress.ip_network("2002::/16")
_V6_TEREDO = ipaddress.ip_network("2001::/32")
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_V6_FORBIDDEN = _nets(
    ("64:ff9b:1::/48", "nat64_local"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link_local"),
    ("fec0::/10", "site_local"),
    ("ff00::/8", "multicast"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("2001:2::/48", "benchmarking"),
    ("2001:10::/28", "reserved"),
    ("2001:20::/28", "reserved"),
)


def _v4_class(ip: ipaddress.IPv4Address) -> str | None:
    for net, name in _V4_FORBIDDEN:
        if ip in net:
            return name
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[str, list[ipaddress.IPv4Address]] | None:
    """The IPv4 addresses an IPv6 address stands for, with the form's name, or None."""
    if ip in _V6_MAPPED:
        return "ipv4_mapped", [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _V6_NAT64:
        return "nat64", [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _V6_6TO4:
        return "6to4", [ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)]
    if ip in _V6_TEREDO:
        server, client = ip.teredo  # type: ignore[misc]  # not None inside 2001::/32
        return "teredo", [server, client]
    return None


def address_forbidden(ip: IPAddress) -> str | None:
    """The name of the forbidden class `ip` belongs to, or None if weft may connect to it.

    Public so that callers and tests can show *why* an address was refused; the names are the
    ones listed in the module docstring.
    """
    if isinstance(ip, ipaddress.IPv4Address):
        return _v4_class(ip)
    # A zone id (fe80::1%eth0) does not change which class an address is in.
    ip = ipaddress.IPv6Address(int(ip))
    for net, name in _V6_FORBIDDEN_BEFORE_EMBEDDED:
        if ip in net:
            return name
    embedded = _embedded_v4(ip)
    if embedded is not None:
        form, addresses = embedded
        for v4 in addresses:
            name = _v4_class(v4)
            if name is not None:
                return f"{form}:{name}"
        return None
    if ip in _V6_COMPATIBLE:
        return "ipv4_compatible"
    for net, name in _V6_FORBIDDEN:
        if ip in net:
            return name
    if ip not in _V6_GLOBAL_UNICAST:
        return "reserved"
    return None


# -- host names ---------------------------------------------------------------------------------

# What a host may contain once percent-decoded, IDNA-encoded and lowercased. Anything else
# (`@`, `:`, `%`, spaces, brackets) means some parser would read the host differently.
_NAME_CHARS = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AUTHORITY_AMBIGUOUS = re.compile(r"[\\\s]")
_BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
_BLOCKED_NAMES = frozenset({"localhost"})


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of an IPv4 literal in any form inet_aton accepts, or None if `host` is not one.

    Resolvers accept `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` as 127.0.0.1 without asking
    DNS, so refusing only dotted-quad literals would let these through. Raises Refused for hosts
    that look numeric but are not a valid address (`256.1.1.1`, `08.0.0.1`), as browsers do.
    """
    labels = host.split(".")
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    if len(labels) > 4 or not all(_NUMERIC_LABEL.fullmatch(label) for label in labels):
        raise Refused("invalid_url", f"host {host!r} is neither a name nor an IPv4 address")
    values = []
    for label in labels:
        try:
            if label.startswith("0x"):
                values.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                values.append(int(label, 8))
            else:
                values.append(int(label, 10))
        except ValueError:  # 08, 09: not octal
            raise Refused("invalid_url", f"host {host!r} is not a valid IPv4 address") from None
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        raise Refused("invalid_url", f"host {host!r} is not a valid IPv4 address")
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _canonical_host(host: str) -> tuple[str, IPAddress | None]:
    """`(canonical name, address if the host is an IP literal)`, or Refused(invalid_url).

    The canonical name is what allow-lists are matched on: lowercase ASCII (IDNA), no trailing
    dot, IPv4 literals in dotted-quad form and IPv6 literals compressed without brackets.
    """
    if not host:
        raise Refused("invalid_url", "empty host")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    if bracketed or ":" in host:  # brackets hold IPv6 only; IPvFuture ([v1.x]) is not fetchable
        try:
            ip6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused("invalid_url", f"host {host!r} is not a valid IPv6 address") from None
        return str(ip6).lower(), ip6
    if not host.isascii():
        try:
            # The idna codec is what socket.getaddrinfo applies to a non-ASCII name, and its
            # nameprep folds fullwidth forms: "１２７.０.０.１" becomes "127.0.0.1".
            host = host.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise Refused("invalid_url", f"host {host!r} is not a valid IDNA name: {error}") from None
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host or not _NAME_CHARS.fullmatch(host):
        raise Refused("invalid_url", f"host {host!r} contains characters a host cannot have")
    ip4 = _legacy_ipv4(host)
    if ip4 is not None:
        return str(ip4), ip4
    return host, None


def _check_destination(
    name: str, ip: IPAddress | None, port: int | None, policy: NetworkPolicy
) -> None:
    """The checks `check_url` and `resolve_and_check` share: port, local names, literal IPs."""
    if policy.allowed_ports is not None and port is not None and port not in policy.allowed_ports:
        raise Refused("blocked_address", f"port {port} is not in the job's allowed ports")
    if policy.allow_private_networks or name in policy.allow_hosts:
        return
    if ip is not None:
        forbidden = address_forbidden(ip)
        if forbidden is not None:
            raise Refused("blocked_address", f"{ip} is {forbidden}")
    elif name in _BLOCKED_NAMES or name.endswith(_BLOCKED_SUFFIXES):
        raise Refused("blocked_host", f"{name!r} names a local or private host")


def _split_authority(netloc: str) -> tuple[str, str]:
    """`(host, port text)` of an authority; the host is what follows the last `@`, as in
    `urlsplit(...).hostname`, so `http://example.com@127.0.0.1/` is judged by 127.0.0.1."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise Refused("invalid_url", "unbalanced '[' in host")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise Refused("invalid_url", f"unexpected {rest!r} after IPv6 literal")
        return host, rest[1:]
    host, _, port = hostport.partition(":")
    return host, port


def check_url(url: str, policy: NetworkPolicy) -> None:
    """Raise Refused unless `url` may be fetched, as far as can be told without DNS.

    Cheap enough to run on every image slot before download, so forbidden URLs are counted as
    blocked instead of costing a connection attempt. Checks, in order: the URL is a string
    without control characters that parses; the scheme is allowed (`blocked_scheme`: file:,
    ftp:, data:, javascript:, ...); it has a host, with no backslash or whitespace in the
    authority; the port is valid and allowed; the host is not a forbidden IP literal in any
    spelling (`blocked_address`) nor a local name (`blocked_host`).
    """
    if not isinstance(url, str):
        raise Refused("invalid_url", f"URL must be a string, not {type(url).__name__}")
    if _CONTROL.search(url):
        raise Refused("invalid_url", "control character in URL")
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise Refused("invalid_url", f"unparseable URL: {error}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise Refused("invalid_url", "not an absolute URL")
    if scheme not in policy.allowed_schemes:
        raise Refused("blocked_scheme", f"scheme {scheme!r} is not allowed")
    netloc = parts.netloc
    if not netloc:
        raise Refused("invalid_url", "URL has no host")
    if _AUTHORITY_AMBIGUOUS.search(netloc):
        raise Refused("invalid_url", "backslash or whitespace in the URL's authority")
    raw_host, port_text = _split_authority(netloc)
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
            raise Refused("invalid_url", f"invalid port {port_text!r}")
        port: int | None = int(port_text)
    else:
        port = _DEFAULT_PORTS.get(scheme)
    # urllib.request.Request percent-decodes the host before connecting, so the check must too:
    # http://%31%32%37.0.0.1/ connects to 127.0.0.1.
    name, ip = _canonical_host(unquote(raw_host))
    _check_destination(name, ip, port, policy)


def resolve_and_check(host: str, port: int, policy: NetworkPolicy) -> list[tuple]:
    """Resolve `host` and return its `getaddrinfo` entries, or raise Refused if any is forbidden.

    The caller connects to the returned socket addresses and nothing else, so what was checked
    is what is connected to. Refusing when *any* address is forbidden, not all: an attacker who
    controls a name's DNS can publish a public address next to 169.254.169.254 and make the
    public one unreachable, so a client that falls back through the list would end up on the
    forbidden one; and no legitimate public image host publishes private addresses.

    Literal IPs in legacy forms (`2130706433`) are resolved by getaddrinfo without DNS and so
    judged by the address they resolve to; a resolver failure is Refused(`dns_error`).
    """
    name, ip = _canonical_host(host)
    _check_destination(name, ip, port, policy)
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused("dns_error", f"cannot resolve {name!r}: {error.strerror or error}") from None
    except UnicodeError as error:
        raise Refused("invalid_url", f"host {name!r} cannot be encoded: {error}") from None
    if not infos:
        raise Refused("dns_error", f"{name!r} resolved to no address")
    if policy.allow_private_networks or name in policy.allow_hosts:
        return infos
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        forbidden = address_forbidden(address)
        if forbidden is not None:
            raise Refused("blocked_address", f"{name!r} resolves to {address}, which is {forbidden}")
    return infos
