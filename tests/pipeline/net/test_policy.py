"""The network policy: which URLs and resolved addresses a download may reach.

No test here connects anywhere. `check_url` is checked with DNS made to fail the test, since it
must decide without a resolver; `resolve_and_check` is fed a fake resolver for names (the
machine has no DNS), and the real one only for IP literals, which it answers without DNS.
"""

from __future__ import annotations

import ipaddress
import pickle
import socket

import pytest

from weft.pipeline.net.policy import (
    REFUSAL_REASONS,
    NetworkPolicy,
    Refused,
    address_forbidden,
    check_url,
    resolve_and_check,
)

DEFAULT = NetworkPolicy()
PRIVATE = NetworkPolicy(allow_private_networks=True)

_REAL_GETADDRINFO = socket.getaddrinfo


def _teredo(server: str, client: str) -> str:
    """A Teredo address (2001::/32): server IPv4 in bits 32-64, client IPv4 inverted at the end."""
    value = (
        (0x20010000 << 96)
        | (int(ipaddress.IPv4Address(server)) << 64)
        | (0x8000 << 48)
        | (0x63BF << 32)
        | (int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF)
    )
    return str(ipaddress.IPv6Address(value))


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything resolves a name: check_url must decide without DNS."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"getaddrinfo called with {args}")

    monkeypatch.setattr(socket, "getaddrinfo", forbidden)


def _addrinfo(address: str, port: int) -> tuple:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 4:
        return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
    return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))


class FakeResolver:
    """Answers `getaddrinfo` from `table` (name -> addresses) and records the names asked; IP
    literals go to the real resolver (no DNS needed); any other name is unknown."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def getaddrinfo(self, host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        self.asked.append(host)
        if host in self.table:
            return [_addrinfo(address, port) for address in self.table[host]]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return _REAL_GETADDRINFO(host, port, *args, **kwargs)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    resolver = FakeResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver


def _refusal(url: str, policy: NetworkPolicy = DEFAULT) -> Refused | None:
    try:
        check_url(url, policy)
    except Refused as refused:
        return refused
    return None


# -- address classes ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this_network"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared_cgnat"),
        ("100.100.100.200", "shared_cgnat"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("169.254.169.254", "link_local"),
        ("192.0.0.192", "ietf_protocol"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("192.88.99.1", "reserved"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "private"),
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("fec0::1", "site_local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "ipv4_mapped:loopback"),
        ("::ffff:169.254.169.254", "ipv4_mapped:link_local"),
        ("::ffff:10.1.2.3", "ipv4_mapped:private"),
        ("::127.0.0.1", "ipv4_compatible"),
        ("::a9fe:a9fe", "ipv4_compatible"),
        ("::8.8.8.8", "ipv4_compatible"),
        ("64:ff9b::7f00:1", "nat64:loopback"),
        ("64:ff9b::169.254.169.254", "nat64:link_local"),
        ("64:ff9b:1::1", "nat64_local"),
        ("2002:7f00:1::", "6to4:loopback"),
        ("2002:c0a8:101::1", "6to4:private"),
        ("2002:a9fe:a9fe::1", "6to4:link_local"),
        (_teredo("65.54.227.120", "10.0.0.1"), "teredo:private"),
        (_teredo("127.0.0.1", "93.184.216.34"), "teredo:loopback"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("2001:2::1", "benchmarking"),
        ("2001:10::1", "reserved"),
        ("100::1", "reserved"),
        ("::ffff:0:7f00:1", "reserved"),
        ("4000::1", "reserved"),
        # Public addresses, including the embedding forms when what they embed is public.
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("172.32.0.1", None),
        ("100.128.0.1", None),
        ("192.169.0.1", None),
        ("223.255.255.255", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("::ffff:93.184.216.34", None),
        ("64:ff9b::5db8:d822", None),
        ("2002:5db8:d822::1", None),
        (_teredo("65.54.227.120", "93.184.216.34"), None),
    ],
)
def test_address_classes(address: str, expected: str | None) -> None:
    assert address_forbidden(ipaddress.ip_address(address)) == expected


# -- check_url ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "reason", "class_"),
    [
        # every forbidden class, as literals
        ("http://127.0.0.1/", "blocked_address", "loopback"),
        ("http://127.0.0.1:8080/img.png", "blocked_address", "loopback"),
        ("https://10.1.2.3/a.jpg", "blocked_address", "private"),
        ("http://172.16.5.4/", "blocked_address", "private"),
        ("http://192.168.0.10/", "blocked_address", "private"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_address", "link_local"),
        ("http://100.100.100.200/latest/meta-data/", "blocked_address", "shared_cgnat"),
        ("http://224.0.0.251/", "blocked_address", "multicast"),
        ("http://240.0.0.1/", "blocked_address", "reserved"),
        ("http://255.255.255.255/", "blocked_address", "broadcast"),
        ("http://0.0.0.0/", "blocked_address", "unspecified"),
        ("http://[::1]/", "blocked_address", "loopback"),
        ("http://[::]/", "blocked_address", "unspecified"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "blocked_address", "private"),
        ("http://[fe80::1]/", "blocked_address", "link_local"),
        ("http://[ff02::1]/", "blocked_address", "multicast"),
        ("http://[::ffff:127.0.0.1]/", "blocked_address", "ipv4_mapped:loopback"),
        ("http://[::ffff:7f00:1]/", "blocked_address", "ipv4_mapped:loopback"),
        ("http://[::ffff:169.254.169.254]/", "blocked_address", "ipv4_mapped:link_local"),
        ("http://[::127.0.0.1]/", "blocked_address", "ipv4_compatible"),
        ("http://[64:ff9b::169.254.169.254]/", "blocked_address", "nat64:link_local"),
        ("http://[2002:7f00:1::]/", "blocked_address", "6to4:loopback"),
        (f"http://[{_teredo('65.54.227.120', '192.168.1.1')}]/", "blocked_address", "teredo:private"),
        # IPv4 in the legacy spellings a resolver accepts
        ("http://2130706433/", "blocked_address", "loopback"),
        ("http://0x7f.1/", "blocked_address", "loopback"),
        ("http://0177.0.0.1/", "blocked_address", "loopback"),
        ("http://0x7F000001/", "blocked_address", "loopback"),
        ("http://127.1/", "blocked_address", "loopback"),
        ("http://017700000001/", "blocked_address", "loopback"),
        ("http://0/", "blocked_address", "unspecified"),
        ("http://2852039166/latest/meta-data/", "blocked_address", "link_local"),
        ("http://0xa9fea9fe/", "blocked_address", "link_local"),
        ("http://0251.0376.0251.0376/", "blocked_address", "link_local"),
        ("http://169.254.43518/", "blocked_address", "link_local"),
        # trailing dot, percent-encoding, IDNA folding, userinfo, zone ids
        ("http://127.0.0.1./", "blocked_address", "loopback"),
        ("http://%31%32%37.0.0.1/", "blocked_address", "loopback"),
        ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "blocked_address", "loopback"),
        ("http://127\u30020\u30020\u30021/", "blocked_address", "loopback"),
        ("http://example.com@127.0.0.1/", "blocked_address", "loopback"),
        ("http://user:pw@169.254.169.254:80/", "blocked_address", "link_local"),
        ("http://a@b@10.0.0.1/", "blocked_address", "private"),
        ("http://[fe80::1%25eth0]/", "blocked_address", "link_local"),
        ("http://[fe80::a9fe:a9fe%25en0]:8080/", "blocked_address", "link_local"),
        # names that always mean this machine or the local network
        ("http://localhost/", "blocked_host", None),
        ("http://LOCALHOST./", "blocked_host", None),
        ("http://localhost:8000/a.png", "blocked_host", None),
        ("http://api.localhost/", "blocked_host", None),
        ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/", "blocked_host", None),
        ("http://printer.local/", "blocked_host", None),
        ("http://metadata.google.internal/computeMetadata/v1/", "blocked_host", None),
        ("http://nas.home.arpa/", "blocked_host", None),
        # schemes
        ("file:///etc/passwd", "blocked_scheme", None),
        ("FILE:///etc/passwd", "blocked_scheme", None),
        ("ftp://example.com/a.png", "blocked_scheme", None),
        ("gopher://127.0.0.1:70/_GET", "blocked_scheme", None),
        ("data:image/png;base64,iVBORw0KGgo=", "blocked_scheme", None),
        ("javascript:alert(1)", "blocked_scheme", None),
        ("ws://example.com/", "blocked_scheme", None),
        ("about:blank", "blocked_scheme", None),
        # malformed, or read differently by different parsers
        ("", "invalid_url", None),
        ("/relative/a.png", "invalid_url", None),
        ("//example.com/a.png", "invalid_url", None),
        ("http://", "invalid_url", None),
        ("http:///a.png", "invalid_url", None),
        ("http://:80/", "invalid_url", None),
        ("http://user@/", "invalid_url", None),
        ("http:\\\\127.0.0.1\\a.png", "invalid_url", None),
        ("http://example.com\\@127.0.0.1/", "invalid_url", None),
        ("http://127.0.0.1\\.example.com/", "invalid_url", None),
        ("http://exa mple.com/", "invalid_url", None),
        ("http://example.com\u3000/", "invalid_url", None),
        ("http://example.com/\x00.png", "invalid_url", None),
        ("http://exam\tple.com/", "invalid_url", None),
        ("http://[::1/", "invalid_url", None),
        ("http://[127.0.0.1]/", "invalid_url", None),
        ("http://[v1.fe]/", "invalid_url", None),
        ("http://[::1]x/", "invalid_url", None),
        ("http://256.0.0.1/", "invalid_url", None),
        ("http://08.0.0.1/", "invalid_url", None),
        ("http://1.2.3.4.5/", "invalid_url", None),
        ("http://4294967296/", "invalid_url", None),
        ("http://example.123/", "invalid_url", None),
        ("http://a..b/", "invalid_url", None),
        ("http://..../", "invalid_url", None),
        ("http://127.0.0.1%2f.example/", "invalid_url", None),
        ("http://x%2f@127.0.0.1/", "blocked_address", "loopback"),
        ("http://127.0.0.1%3A8080/", "invalid_url", None),
        ("http://example.com:99999/", "invalid_url", None),
        ("http://example.com:0/", "invalid_url", None),
        ("http://example.com:8o/", "invalid_url", None),
        ("http://example.com:-1/", "invalid_url", None),
        ("http://example.com:\u0668\u0660/", "invalid_url", None),
        ("http://" + "\u00e9" * 70 + ".com/", "invalid_url", None),
    ],
)
def test_check_url_refuses(url: str, reason: str, class_: str | None, no_dns: None) -> None:
    refused = _refusal(url)
    assert refused is not None, f"{url!r} was allowed"
    assert refused.reason == reason, str(refused)
    if class_ is not None:
        assert refused.detail.endswith(f" is {class_}"), refused.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/",
        "https://93.184.216.34:8443/img.png",
        "http://8.8.8.8/a.png?x=1#frag",
        "http://1.1/",  # 1.0.0.1, a public address in short form
        "http://172.32.0.1/",
        "http://100.128.0.1/",
        "http://[2606:2800:220:1:248:1893:25c8:1946]/",
        "http://[::ffff:93.184.216.34]/",
        "http://[64:ff9b::5db8:d822]/",
        "http://[2002:5db8:d822::1]/",
        "http://example.com/a.png",
        "HTTPS://EXAMPLE.com./a.png",
        "http://example.com:8080/a b.png",
        "http://cdn_1.example.com/a.png",
        "http://b\u00fccher.example/a.png",
        "http://user:pw@example.com/a.png",
        "http://example.com:/a.png",
        "http://localhost.example.com/",
        "http://local/",  # a single-label name: judged by what it resolves to
        "http://example.com/path\\with\\backslashes.png",
    ],
)
def test_check_url_allows_public(url: str, no_dns: None) -> None:
    check_url(url, DEFAULT)


def test_check_url_refuses_non_strings(no_dns: None) -> None:
    for value in (None, b"http://example.com/", 42):
        refused = _refusal(value)  # type: ignore[arg-type]
        assert refused is not None and refused.reason == "invalid_url"


def test_legacy_ipv4_forms_are_refused_on_both_paths(no_dns: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_url normalises the forms itself; and the system resolver, which a client without
    that normalisation would call, maps every form it accepts to a forbidden address, so the
    resolved-address check refuses them too."""
    forms = ["2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "127.1", "017700000001", "0"]
    for form in forms:
        assert _refusal(f"http://{form}/").reason == "blocked_address"  # type: ignore[union-attr]
    monkeypatch.setattr(socket, "getaddrinfo", _REAL_GETADDRINFO)
    for form in forms:
        try:
            infos = socket.getaddrinfo(form, 80, type=socket.SOCK_STREAM)
        except socket.gaierror:
            continue  # this platform's resolver does not accept the form at all
        for info in infos:
            assert address_forbidden(ipaddress.ip_address(info[4][0])) is not None, (form, info)


# -- policy knobs ---------------------------------------------------------------------------------

def test_allow_private_networks_lifts_address_and_name_checks_only(no_dns: None) -> None:
    for url in (
        "http://127.0.0.1:8000/a.png",
        "http://localhost/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://0x7f.1/",
        "http://nas.home.arpa/",
    ):
        check_url(url, PRIVATE)
    assert _refusal("file:///etc/passwd", PRIVATE).reason == "blocked_scheme"  # type: ignore[union-attr]
    assert _refusal("gopher://127.0.0.1/", PRIVATE).reason == "blocked_scheme"  # type: ignore[union-attr]
    assert _refusal("http://[::1/", PRIVATE).reason == "invalid_url"  # type: ignore[union-attr]
    ports = NetworkPolicy(allow_private_networks=True, allowed_ports=frozenset({8000}))
    check_url("http://127.0.0.1:8000/", ports)
    assert _refusal("http://127.0.0.1:8001/", ports).reason == "blocked_address"  # type: ignore[union-attr]


def test_allow_hosts_exempts_exactly_the_named_hosts(no_dns: None) -> None:
    policy = NetworkPolicy(allow_hosts=frozenset({"127.0.0.2", "LocalHost.", "[::1]", "mirror.internal"}))
    for url in (
        "http://127.0.0.2:8000/a.png",
        "http://0x7f.0.0.2/",  # the same address, spelled differently
        "http://localhost/",
        "http://localhost./",
        "http://[::1]:8080/",
        "http://[0:0::1]/",
        "http://MIRROR.internal/",
    ):
        check_url(url, policy)
    for url, reason in (
        ("http://127.0.0.1/", "blocked_address"),
        ("http://[::ffff:127.0.0.2]/", "blocked_address"),
        ("http://api.localhost/", "blocked_host"),
        ("http://other.internal/", "blocked_host"),
        ("file://localhost/etc/passwd", "blocked_scheme"),
    ):
        refused = _refusal(url, policy)
        assert refused is not None and refused.reason == reason, (url, refused)


def test_allowed_ports_apply_to_default_ports(no_dns: None) -> None:
    policy = NetworkPolicy(allowed_ports=frozenset({443}))
    check_url("https://93.184.216.34/", policy)
    check_url("http://93.184.216.34:443/", policy)
    assert _refusal("http://93.184.216.34/", policy).reason == "blocked_address"  # type: ignore[union-attr]
    assert _refusal("https://93.184.216.34:8443/", policy).reason == "blocked_address"  # type: ignore[union-attr]


def test_allowed_schemes_are_case_insensitive(no_dns: None) -> None:
    https_only = NetworkPolicy(allowed_schemes=frozenset({"HTTPS"}))
    check_url("https://93.184.216.34/", https_only)
    assert _refusal("http://93.184.216.34/", https_only).reason == "blocked_scheme"  # type: ignore[union-attr]


def test_policy_normalises_and_validates() -> None:
    assert NetworkPolicy(allow_hosts=["A.Example.", "[::1]", "0x7f.1"]) == NetworkPolicy(  # type: ignore[arg-type]
        allow_hosts=frozenset({"a.example", "::1", "127.0.0.1"})
    )
    assert NetworkPolicy(allowed_ports=[80, 443]).allowed_ports == frozenset({80, 443})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        NetworkPolicy(allow_hosts="localhost")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        NetworkPolicy(allowed_schemes="https")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="allow_hosts"):
        NetworkPolicy(allow_hosts=frozenset({"bad host"}))
    with pytest.raises(ValueError, match="allowed_ports"):
        NetworkPolicy(allowed_ports=frozenset({0}))


def test_refused_carries_reason_and_pickles() -> None:
    refused = Refused("blocked_address", "127.0.0.1 is loopback")
    assert str(refused) == "refused (blocked_address): 127.0.0.1 is loopback"
    copy = pickle.loads(pickle.dumps(refused))
    assert (copy.reason, copy.detail, str(copy)) == (refused.reason, refused.detail, str(refused))
    assert not isinstance(refused, OSError)
    assert {"blocked_scheme", "blocked_address", "blocked_host", "invalid_url", "dns_error"} == REFUSAL_REASONS
    with pytest.raises(ValueError):
        Refused("nope", "x")


# -- resolve_and_check ----------------------------------------------------------------------------

def test_resolve_returns_checked_addresses(fake_dns: FakeResolver) -> None:
    fake_dns.table["images.example"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    infos = resolve_and_check("images.example", 443, DEFAULT)
    assert [info[4][0] for info in infos] == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert all(info[4][1] == 443 for info in infos)


@pytest.mark.parametrize(
    ("addresses", "class_"),
    [
        (["127.0.0.1"], "loopback"),
        (["93.184.216.34", "10.0.0.1"], "private"),  # any, not all
        (["10.0.0.1", "93.184.216.34"], "private"),
        (["169.254.169.254"], "link_local"),
        (["::ffff:169.254.169.254"], "ipv4_mapped:link_local"),
        (["fe80::1%lo"], "link_local"),
        (["64:ff9b::a00:1"], "nat64:private"),
    ],
)
def test_resolve_refuses_if_any_address_is_forbidden(
    fake_dns: FakeResolver, addresses: list[str], class_: str
) -> None:
    fake_dns.table["rebind.example"] = addresses
    with pytest.raises(Refused) as caught:
        resolve_and_check("rebind.example", 80, DEFAULT)
    assert caught.value.reason == "blocked_address"
    assert caught.value.detail.endswith(f"which is {class_}")


def test_resolve_literals_and_local_names_need_no_dns(fake_dns: FakeResolver) -> None:
    for host, reason in (
        ("127.0.0.1", "blocked_address"),
        ("2130706433", "blocked_address"),
        ("::1", "blocked_address"),
        ("[::ffff:127.0.0.1]", "blocked_address"),
        ("localhost", "blocked_host"),
        ("metadata.google.internal", "blocked_host"),
        ("example.com@127.0.0.1", "invalid_url"),
        ("", "invalid_url"),
    ):
        with pytest.raises(Refused) as caught:
            resolve_and_check(host, 80, DEFAULT)
        assert caught.value.reason == reason, host
    assert fake_dns.asked == []


def test_resolve_unknown_name_is_dns_error(fake_dns: FakeResolver) -> None:
    with pytest.raises(Refused) as caught:
        resolve_and_check("no-such-host.example", 80, DEFAULT)
    assert caught.value.reason == "dns_error"


def test_resolve_idna_and_trailing_dot(fake_dns: FakeResolver) -> None:
    fake_dns.table["xn--bcher-kva.example"] = ["93.184.216.34"]
    assert resolve_and_check("b\u00fccher.example.", 80, DEFAULT)[0][4][0] == "93.184.216.34"
    assert fake_dns.asked == ["xn--bcher-kva.example"]


def test_resolve_respects_policy_exemptions(fake_dns: FakeResolver) -> None:
    fake_dns.table["mirror.internal"] = ["10.0.0.7"]
    fake_dns.table["other.example"] = ["10.0.0.8"]
    exempt = NetworkPolicy(allow_hosts=frozenset({"mirror.internal"}))
    assert resolve_and_check("mirror.internal", 80, exempt)[0][4][0] == "10.0.0.7"
    with pytest.raises(Refused):
        resolve_and_check("other.example", 80, exempt)  # allow_hosts is by name, not address
    assert resolve_and_check("other.example", 80, PRIVATE)[0][4][0] == "10.0.0.8"
    assert resolve_and_check("127.0.0.1", 80, PRIVATE)[0][4][0] == "127.0.0.1"
    with pytest.raises(Refused) as caught:
        resolve_and_check("mirror.internal", 22, NetworkPolicy(allow_hosts=["mirror.internal"], allowed_ports=[80]))  # type: ignore[arg-type]
    assert caught.value.reason == "blocked_address"
