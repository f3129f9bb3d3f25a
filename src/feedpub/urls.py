"""The one rule for a URL feedpub writes into a feed: seed links, image and
related URLs (values.py) and the URL settings (config_values.py) alike.

A usable URL is absolute http(s) with a non-empty host (an IPv6 address in
brackets is fine), a port 1-65535 if one is given, no user name or password,
only the characters RFC 3986 allows, and every '%' followed by two hex digits.
Non-ASCII characters other than spaces and controls stay allowed (IRIs, RFC
3987: ``https://ex.org/café`` is a real link that readers follow). This module
imports nothing of feedpub, so every module can use it without a cycle.
"""

from __future__ import annotations

import ipaddress
import re

_SCHEME = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://")
# RFC 3986 section 2: unreserved, reserved (gen-delims and sub-delims) and '%'.
# Anything else ('"', '<', '>', '\\', '^', '`', '{', '|', '}', spaces,
# controls) either breaks out of an HTML attribute or is read differently by
# browsers and by Python: https://ex.org\@evil.com/ is ex.org to urlsplit but
# evil.com... to WHATWG parsers, which read '\' as '/'.
_ASCII_ALLOWED = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
# The ASCII characters not in that set, listed: a class spelled as "not the
# allowed set, not non-ASCII" costs 30 ms to compile, on every run.
_NOT_ALLOWED_ASCII = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AUTHORITY_END = re.compile(r"[/?#]")
# The common URL in one pass: http(s)://, a host of letters, digits, dots and
# hyphens (no user, port or brackets), then only RFC 3986 characters. Every URL
# it matches passes each check of url_problem (a '%' is still checked): a seed
# has several links, and a regex call costs more than its scan.
_PLAIN_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*)?")

NOT_ABSOLUTE = "is not an absolute http(s) URL"


def url_problem(url: str) -> str:
    """Why ``url`` is not a usable feed URL, as a phrase to follow the URL in a
    message ("is not an absolute http(s) URL"), or '' when it is usable."""
    if _PLAIN_URL.fullmatch(url) and ("%" not in url or not _BAD_PERCENT.search(url)):
        return ""
    return _problem(url)


def _problem(url: str) -> str:
    """url_problem's checks, one by one."""
    scheme = _SCHEME.match(url)
    if not scheme:
        return NOT_ABSOLUTE
    bad = _bad_character(url)
    if bad:
        return bad
    if _BAD_PERCENT.search(url):
        return "has a '%' not followed by two hex digits (write '%' itself as %25)"
    # With the characters checked, the authority is everything up to the first
    # '/', '?' or '#' (RFC 3986 section 3.2): no parser whose leniency differs
    # between Python versions (urlsplit checks [hosts] only since 3.11.4).
    return _authority_problem(_AUTHORITY_END.split(url[scheme.end():], 1)[0])


def shown(url: str) -> str:
    """``url`` for a message: a user name and password replaced by '***', so a
    refused link does not put the password into build logs."""
    scheme = _SCHEME.match(url)
    if not scheme:
        return url
    authority = _AUTHORITY_END.split(url[scheme.end():], 1)[0]
    if "@" not in authority:
        return url
    return url[:scheme.end()] + "***" + url[scheme.end() + authority.rindex("@"):]


def _bad_character(url: str) -> str:
    if _ASCII_ALLOWED.fullmatch(url):
        return ""  # the common case: plain ASCII URL characters
    bad = _NOT_ALLOWED_ASCII.search(url)
    if bad is None:
        # Only non-ASCII beyond the ASCII set: letters and symbols are IRI
        # characters; spaces, controls and format characters (bidi overrides,
        # zero-width) are not.
        bad = next((c for c in url if ord(c) > 0x7F and (not c.isprintable() or c.isspace())), None)
        if bad is None:
            return ""
        char = bad
    else:
        char = bad.group()
    if char.isspace() or not char.isprintable():
        return "holds a space or a control character (write a space as %20)"
    return f"holds the character {char!r}, which URLs do not allow (percent-encode it, e.g. %{ord(char):02X})"


def _authority_problem(authority: str) -> str:
    if "@" in authority:
        # A feed link with a password publishes it, and https://ex.org@evil.com/
        # shows ex.org to a reader but goes to evil.com.
        return "has a user name or password (user@host), which a feed link must not carry"
    if authority.startswith("["):
        host, bracket, port = authority[1:].partition("]")
        if not bracket or not _is_ipv6(host) or (port and not port.startswith(":")):
            return "has a host in brackets that is not an IPv6 address"
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
        if "[" in authority or "]" in authority or ":" in port:
            return "cannot be parsed as a URL"  # two ports, or an IPv6 address without brackets
    if not host:
        return "has no host"
    if port and not (port.isdigit() and port.isascii() and 1 <= int(port) <= 65535):
        return f"has the port {port!r}: a port is a number 1-65535"
    return ""


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text  # a zone (fe80::1%eth0) means nothing outside this machine
