"""Addresses, connection specs and HTTP URLs as an inventory may write them, checked at load.

Pure functions that return a :class:`Problem` or None; :mod:`xunjian.inventory.fields` turns
them into pydantic validators. A problem with ``secret`` set is about a value that may hold a
credential, so its message never quotes the value.

A connection is a testinfra host spec, read the way testinfra reads it
(``testinfra.backend.parse_hostspec``): a scheme it has a backend for, a host where the backend
needs one, a port only where it uses one (1-65535), and query options only those its backend
honours (:data:`OPTIONS`), each given once with a value of its type.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlsplit

ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class Problem:
    message: str
    secret: bool = False


_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")  # a user, a container, an inventory name
HOST_EXPECTED = (
    "an IP address or a host name (RFC 1123: letters, digits and hyphens, dot-separated)"
)


def is_host(value: str) -> bool:
    """An IP address (v4, v6) or an RFC 1123 host name whose last label is not all digits."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    return bool(_HOSTNAME.match(value)) and not value.rstrip(".").rsplit(".", 1)[-1].isdigit()


def address_problem(value: str) -> Problem | None:
    if is_host(value):
        return None
    if "://" in value:
        why = "a URL: give the bare host (a connection URL goes under connection)"
    elif any(c.isspace() for c in value):
        why = "it holds a space"
    elif value.count(":") == 1 and value.rsplit(":", 1)[1].isdigit():
        why = "a port does not belong here (checks name their ports; ssh's goes in connection)"
    elif "@" in value:
        why = "a user does not belong here (connection: ssh://USER@HOST)"
    else:
        why = "not a valid IP address or host name"
    return Problem(f"expected {HOST_EXPECTED}: {why}")


# credential-looking query parameter names: any of these words, or a word containing one of
# the stems (access_token, X-Amz-Signature, apiKey, client_secret, sig ...)
_CREDENTIAL_WORDS = frozenset(
    "key apikey auth authorization oauth sig pass pwd passwd session sessionid sid cookie jwt "
    "otp bearer sas".split()
)
_CREDENTIAL_STEMS = ("token", "secret", "passw", "signature", "credential", "apikey", "api_key")


def credential_name(name: str) -> bool:
    """Whether a query parameter's name says it carries a credential."""
    lowered = name.lower()
    if any(stem in lowered for stem in _CREDENTIAL_STEMS):
        return True
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())
    return any(w in _CREDENTIAL_WORDS for w in words)


def _credential(name: str, value: str, where: str) -> Problem | None:
    if credential_name(name) and value and not ENV_REF.match(value):
        return Problem(
            f"query parameter {name!r} of the {where} looks like a credential: write its value "
            "as an ${ENV_VAR} reference (resolved at run time, kept out of reports), never "
            "the value itself",
            secret=True,
        )
    return None


def query_refs(url: str) -> list[tuple[str, str]]:
    """(parameter, ``${VAR}``) of each credential parameter written as a reference."""
    if "${" not in url:
        return []
    query = urlsplit(url).query
    return [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if credential_name(name) and ENV_REF.match(value)
    ]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _split(value: str) -> SplitResult | Problem:
    if _CONTROL.search(value):
        return Problem("holds a control character (a stray newline?)")
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return Problem("the port must be a number from 1 to 65535 (or the URL is malformed)")
    if url.port == 0:
        return Problem("the port must be a number from 1 to 65535")
    return url


_URL_PATTERN = r"^https?://[^/@\s]+(/|$)"
_USERINFO = re.compile(r"^[^:/]*://[^/]*@")


def url_problem(value: str) -> Problem | None:
    """An http(s) URL: host, port, no user:password@, no literal credential in the query."""
    if _USERINFO.match(value):
        return Problem(
            "must be a URL without user:password@: credentials go in ${ENV_VAR} references "
            "(secret_headers, secret_key, or a credential query parameter)",
            secret=True,
        )
    if not re.match(_URL_PATTERN, value):
        return Problem("must be a URL such as http://HOST[:PORT]/PATH (http or https)")
    url = _split(value)
    if isinstance(url, Problem):
        return url
    for name, item in parse_qsl(url.query, keep_blank_values=True):
        if found := _credential(name, item, "URL"):
            return found
    if "${" in value and not query_refs(value):
        return Problem(
            "an ${ENV_VAR} reference is resolved only as the whole value of a credential "
            "query parameter (?access_token=${TOKEN})"
        )
    if not is_host(url.hostname or ""):
        return Problem(f"the URL's host must be {HOST_EXPECTED}")
    return None


# testinfra.backend.BACKENDS, and the query options each backend honours (parse_hostspec reads
# them from the query; the backend's constructor uses them); selftests compare with testinfra's
_BASE = ("sudo", "sudo_user")
_SSH = (*_BASE, "ssh_config", "ssh_identity_file", "timeout")
OPTIONS: dict[str, tuple[str, ...]] = {
    "local": _BASE,
    "ssh": (*_SSH, "controlpersist"),
    "safe-ssh": (*_SSH, "controlpersist"),
    "paramiko": _SSH,
    "ansible": (*_BASE, "ansible_inventory", "ssh_config", "ssh_identity_file", "force_ansible"),
    "docker": _BASE,
    "podman": _BASE,
    "lxc": _BASE,
    "chroot": _BASE,
    "salt": _BASE,
    "kubectl": (*_BASE, "namespace", "container", "kubeconfig", "context"),
    "openshift": (*_BASE, "namespace", "container", "kubeconfig"),
    "winrm": (*_BASE, "no_ssl", "no_verify_ssl", "read_timeout_sec", "operation_timeout_sec"),
}
_WITH_PORT = frozenset({"ssh", "safe-ssh", "paramiko", "winrm"})
_WITH_USER = frozenset({"ssh", "safe-ssh", "paramiko", "winrm", "docker", "podman"})
_FLAGS = frozenset({"sudo", "force_ansible", "no_ssl", "no_verify_ssl"})
_SECONDS = {
    "timeout": (1, 3600),
    "controlpersist": (0, 3600),
    "read_timeout_sec": (1, 3600),
    "operation_timeout_sec": (1, 3600),
}
_PATHS = frozenset({"ssh_config", "ssh_identity_file", "ansible_inventory", "kubeconfig"})


def _option(name: str, value: str) -> str | None:
    """What is wrong with one option's value, for the message (never quoting it)."""
    if name in _FLAGS:
        return None if value.lower() in ("true", "false") else "must be true or false"
    if name in _SECONDS:
        low, high = _SECONDS[name]
        if not value.isdigit() or not low <= int(value) <= high:
            return f"must be a whole number of seconds from {low} to {high}"
        return None
    if name in _PATHS:
        if not value.startswith(("/", "~")):
            return (
                "must be an absolute path (or ~/...): testinfra reads it relative to the "
                "working directory, not to the inventory"
            )
        return None
    return None if _NAME.match(value) else "must be a name (letters, digits, _ . -)"


def connection_problem(value: str) -> Problem | None:
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in OPTIONS:
        shown = f"scheme {scheme!r}" if scheme else "no SCHEME://"
        return Problem(
            f"{shown}: expected a testinfra host spec SCHEME://[USER@]HOST[:PORT][?OPTIONS], "
            f"SCHEME one of {', '.join(OPTIONS)}"
        )
    if re.search(r"://[^/@?#]*:[^/@?#]*@", value):
        return Problem(
            "a password in the connection: use keys and your ssh config instead", secret=True
        )
    url = _split(value)
    if isinstance(url, Problem):
        return url
    if url.fragment or "#" in value:
        return Problem("a #fragment is not read by testinfra")
    if url.path:
        return Problem(f"a path after the host is not read by testinfra: {scheme}://HOST?OPTIONS")
    if found := _netloc(scheme, url):
        return found
    options = OPTIONS[scheme]
    seen: set[str] = set()
    for name, item in parse_qsl(url.query, keep_blank_values=True):
        if name not in options:
            return _credential(name, item, "connection") or Problem(
                f"unknown option {name!r} for {scheme}://: testinfra's {scheme} backend reads "
                f"{', '.join(options)}"
            )
        if name in seen:
            return Problem(f"option {name!r} is given twice (testinfra reads the first only)")
        seen.add(name)
        if why := _option(name, item):
            return Problem(f"option {name!r} {why}")
    return None


def _netloc(scheme: str, url: SplitResult) -> Problem | None:
    host = url.hostname or ""
    if scheme == "local":
        return Problem("local:// takes no host: write local://") if url.netloc else None
    if not url.netloc:
        return Problem(f"{scheme}:// needs a host: {scheme}://HOST")
    if url.port is not None and scheme not in _WITH_PORT:
        return Problem(f"{scheme}:// takes no port")
    if url.username is not None:
        if scheme not in _WITH_USER:
            return Problem(f"{scheme}:// takes no USER@")
        if not _NAME.match(url.username):
            return Problem("the user must be a name (letters, digits, _ . -)")
    if scheme in _WITH_PORT:
        if not is_host(host):
            return Problem(f"the host must be {HOST_EXPECTED}")
    elif not _NAME.match(url.netloc.rsplit("@", 1)[-1]):
        return Problem(f"the {scheme} name must be letters, digits, _ . -")
    return None
