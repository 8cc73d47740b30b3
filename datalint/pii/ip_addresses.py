"""Public IPv4 addresses: routable, not documentation ranges or well-known resolvers (8.8.8.8), and
not a version or section number (git 1.7.7.3, §15.12.2.7) that only looks like one."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import looks_sequential

_IPV4 = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?!\w|\.\d)")
# Dotted numbers after these are versions or section numbers (git 1.7.7.3, §15.12.2.7, v2.0.0.1).
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\brev(?:ision)?|\bpatch|\bupdate|\bfirmware|\bkernel|\bgit|"
    r"\bpython|\bnode|\bjava|\bchrome|\bfirefox|\bos|\bsdk|\bapi|§|\bsection|\bsec\.|\bchapter|\bclause|"
    r"\bpara(?:graph)?|\barticle|\bfig(?:ure)?\.?|\btable|\bstep|\bitem)\s*$"
)
_OTHER_VERSION = re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?![\w]|\.\d)")  # 1.7.6 next to 1.7.7.3
# Words that make a dotted quad an address: without one it may be a version, a section or a score.
_IP_WORDS = re.compile(
    r"\bips?\b|\bip[_\\]|\bipv4|\baddr|\bhost|\bserver|\bdns\b|\bping|\bssh\b|\bconnect|\blog(?:ged)? ?in|"
    r"\bfirewall|\bproxy|\bvpn\b|\bgateway|\brouter|\bclient|\bremote|\bcurl\b|\bnslookup|\bdig\b|"
    r"\binet\b|\bnetwork|\bhttps?\b|\bport\b|\baccess|\brequest|\btraffic|\bblock(?:ed|s|list)?\b|\bbann?(?:ed|s)?\b|"
    r"\bwhitelist|\ballowlist|\borigin|"
    r"\bsource|\bsrc\b|\bdst\b|\bdestination|\bvisitor|\bresolv|\bnginx|\bapache|\blisten|\bbind\b|\bsubnet|"
    r"\bnameserver|\bendpoint|\bwebsite|\bdomain|\bdevice|\bmachine|\bnode\b|\binstance|\bec2\b|\bvps\b|"
    r"\bvisit|\busers?\b|\battack|\bhacker|\bscan|\bgeoloc|\blocated|\bisp\b|\bwan\b|\blan\b|\bpublic\b|"
    r"\bstatic\b|\bdynamic\b|\bassigned|\blease|\bdhcp|\btelnet|\bs?ftp\b|\brdp\b|\bsmtp|\blogs?\b|\bddos|"
    r"\bbotnet|\bmalicious|\bsuspicious"
)
_WELL_KNOWN_IPS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222", "208.67.220.220"})


def find_ips(text: str, allow: frozenset[str], about_networks: bool = False) -> Iterator[Match]:
    if "." not in text:
        return
    for match in _IPV4.finditer(text):
        value = match.group()
        parts = [int(part) for part in match.groups()]
        if value in allow or value in _WELL_KNOWN_IPS or max(parts) > 255 or parts[3] in (0, 255):
            continue
        if any(len(part) > 1 and part[0] == "0" for part in match.groups()):
            continue  # 01.02.03.04 is a date or a code (and ipaddress rejects leading zeros)
        if looks_sequential("".join(match.groups())) or value.startswith("1.2.3."):
            continue
        address = ipaddress.IPv4Address(value)
        if not address.is_global or _is_documentation(address):
            continue
        if _looks_like_version(text, match.start(), match.end(), parts, about_networks):
            continue
        yield Match("IP address", match.start(), match.end(), value.rsplit(".", 1)[0] + ".*")


def find_ips_about_networks(text: str, allow: frozenset[str]) -> Iterator[Match]:
    """IP addresses in a record whose instruction is about networks: no word of networks needed in the text."""
    return find_ips(text, allow, about_networks=True)


def _looks_like_version(text: str, start: int, end: int, parts: list[int], about_networks: bool) -> bool:
    """A dotted quad that is a version or a section number rather than an address: one after
    `version`, `git`, `§`; one next to a three-part version (1.7.6); one with no word of networks
    near it or in the instruction; one of small parts only (1.7.7.3, 15.12.2.7) unless such a word
    is right beside it."""
    before = text[max(0, start - 20) : start].lower()
    if _VERSION_BEFORE.search(before):
        return True
    window = text[max(0, start - 60) : start] + " " + text[end : end + 60]
    if _OTHER_VERSION.search(window):
        return True
    if max(parts) < 32:
        return not _IP_WORDS.search(text[max(0, start - 25) : start].lower())
    return not (about_networks or _IP_WORDS.search(window.lower()) or text.startswith(":", end))


def _is_documentation(address: ipaddress.IPv4Address) -> bool:
    return any(address in network for network in _DOCUMENTATION_NETWORKS)


_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.IPv4Network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def about_networks(texts: Iterable[str], instructions: Iterable[str]) -> bool:
    """Whether one of `texts` holds a dotted quad and an instruction is about networks ("Where did
    the login come from?"): the question then gives the context a text may lack."""
    # the cheap test first: most texts that pass the gate hold no dotted quad at all
    if not any(_IPV4.search(text) for text in texts):
        return False
    return any(_IP_WORDS.search(instruction.lower()) for instruction in instructions)
