"""Parsers of host listings: ``ss -Hltnp`` and ``ps -eww -o pid=,comm=,args=`` (pure)."""

from __future__ import annotations

import pytest

from xunjian.observe.procs import Proc, parse_ps
from xunjian.observe.sockets import Listener, bound_for, parse_ss

JAR = "ProcessServer-0.0.1-SNAPSHOT.jar"

# Columns as ss 6.x prints them: State Recv-Q Send-Q Local Peer Process.
SS_ROOT = """\
LISTEN 0      80         127.0.10.1:3306       0.0.0.0:*    users:(("mariadbd",pid=1500,fd=20))
LISTEN 0      511           0.0.0.0:8081       0.0.0.0:*    users:(("nginx",pid=1236,fd=6),\
("nginx",pid=1235,fd=6),("nginx",pid=1234,fd=6))
LISTEN 0      128              [::]:22            [::]:*    users:(("sshd",pid=900,fd=4))
LISTEN 0      100                 *:8083             *:*    users:(("java",pid=2000,fd=30))
LISTEN 0      4096    127.0.0.53%lo:53       0.0.0.0:*  users:(("systemd-resolve",pid=612,fd=14))
LISTEN 0      4096            [::1]:631           [::]:*    users:(("cupsd",pid=700,fd=7))
"""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            'LISTEN 0 80 127.0.10.1:3306 0.0.0.0:* users:(("mariadbd",pid=1500,fd=20))',
            Listener("127.0.10.1", 3306, (("mariadbd", 1500),)),
            id="ipv4",
        ),
        pytest.param(
            'LISTEN 0 128 [::]:22 [::]:* users:(("sshd",pid=900,fd=4))',
            Listener("[::]", 22, (("sshd", 900),)),
            id="ipv6-wildcard",
        ),
        pytest.param(
            'LISTEN 0 4096 [::1]:631 [::]:* users:(("cupsd",pid=700,fd=7))',
            Listener("::1", 631, (("cupsd", 700),)),
            id="ipv6-loopback-unbracketed",
        ),
        pytest.param(
            'LISTEN 0 100 *:8083 *:* users:(("java",pid=2000,fd=30))',
            Listener("*", 8083, (("java", 2000),)),
            id="star",
        ),
        pytest.param(
            'LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=612,fd=14))',
            Listener("127.0.0.53", 53, (("systemd-resolve", 612),)),
            id="interface-suffix",
        ),
        pytest.param(
            'LISTEN 0 511 0.0.0.0:8081 0.0.0.0:* users:(("nginx",pid=1236,fd=6),'
            '("nginx",pid=1235,fd=6),("nginx",pid=1234,fd=6))',
            Listener("0.0.0.0", 8081, (("nginx", 1236), ("nginx", 1235), ("nginx", 1234))),
            id="nginx-master-and-workers",
        ),
        pytest.param(
            "LISTEN 0      128          0.0.0.0:22         0.0.0.0:*",
            Listener("0.0.0.0", 22, ()),
            id="no-users-column-not-root",
        ),
    ],
)
def test_parse_ss_line(line: str, expected: Listener) -> None:
    assert parse_ss(line) == [expected]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(
            "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process", id="header"
        ),
        pytest.param("ESTAB 0 0 127.0.0.1:22 127.0.0.1:50000", id="not-listening"),
        pytest.param("LISTEN 0 128", id="short"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_ss_skips(line: str) -> None:
    assert parse_ss(line) == []


def test_parse_ss_whole_listing() -> None:
    listeners = parse_ss(SS_ROOT)
    assert [(lst.address, lst.port) for lst in listeners] == [
        ("127.0.10.1", 3306),
        ("0.0.0.0", 8081),
        ("[::]", 22),
        ("*", 8083),
        ("127.0.0.53", 53),
        ("::1", 631),
    ]
    nginx = listeners[1]
    assert nginx.names == {"nginx"}
    assert nginx.pids == {1234, 1235, 1236}
    assert str(nginx) == "0.0.0.0:8081 (nginx[1234],nginx[1235],nginx[1236])"


def test_listener_str_without_owners() -> None:
    assert str(Listener("0.0.0.0", 22, ())) == "0.0.0.0:22 (owner not visible)"


@pytest.mark.parametrize(
    ("address", "port", "serves"),
    [
        pytest.param("127.0.10.1", 3306, True, id="exact-address"),
        pytest.param("0.0.0.0", 3306, True, id="ipv4-wildcard"),
        pytest.param("[::]", 3306, True, id="ipv6-wildcard"),
        pytest.param("::", 3306, True, id="ipv6-wildcard-bare"),
        pytest.param("*", 3306, True, id="star"),
        pytest.param("127.0.10.2", 3306, False, id="other-loopback-address"),
        pytest.param("127.0.0.1", 3306, False, id="localhost-is-another-address"),
        pytest.param("127.0.10.1", 3307, False, id="other-port"),
        pytest.param("0.0.0.0", 33060, False, id="wildcard-other-port"),
    ],
)
def test_bound_for(address: str, port: int, serves: bool) -> None:
    lst = Listener(address, port, (("mariadbd", 1500),))
    assert bound_for([lst], 3306, {"127.0.10.1"}) == ([lst] if serves else [])


def test_bound_for_keeps_every_match() -> None:
    listeners = parse_ss(SS_ROOT)
    assert bound_for(listeners, 8081, {"127.0.10.5"}) == [listeners[1]]
    assert bound_for(listeners, 3306, {"127.0.10.2", "127.0.10.1"}) == [listeners[0]]
    assert bound_for(listeners, 3306, {"127.0.10.2"}) == []


PS = """\
      1 systemd         /sbin/init splash
      2 kthreadd        [kthreadd]
   2000 java            java -Xmx1g -jar /usr/local/my/ProcessServer-0.0.1-SNAPSHOT.jar
   2001 bash            -bash
   2002 zsh
"""


def test_parse_ps() -> None:
    assert parse_ps(PS + "garbage line\n\n") == [
        Proc(1, "systemd", "/sbin/init splash"),
        Proc(2, "kthreadd", "[kthreadd]"),
        Proc(2000, "java", "java -Xmx1g -jar /usr/local/my/ProcessServer-0.0.1-SNAPSHOT.jar"),
        Proc(2001, "bash", "-bash"),
        Proc(2002, "zsh", "zsh"),
    ]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param(f"java -jar /usr/local/my/{JAR}", True, id="absolute-jar"),
        pytest.param(f"java -jar {JAR}", True, id="relative-jar"),
        pytest.param(f"java -jar ./{JAR} --server.port=8083", True, id="dot-relative-jar"),
        pytest.param(f"java -cp a.jar:/x/{JAR} Main", True, id="classpath-entry"),
        pytest.param(f"java -cp /x/{JAR}:lib/* Main", True, id="classpath-first-entry"),
        pytest.param(
            f'java -Dmsg="unbalanced -jar /usr/local/my/{JAR}', True, id="unbalanced-quote"
        ),
        pytest.param(
            "java -jar /usr/local/my/ProcessServer-0.0.2-SNAPSHOT.jar", False, id="other-version"
        ),
        pytest.param(
            "java -jar /usr/local/my/lightServer-0.0.1-SNAPSHOT.jar", False, id="other-jar"
        ),
        pytest.param(f"java -jar /usr/local/my/{JAR}.bak", False, id="backup-suffix"),
        pytest.param(f"java -jar /usr/local/my/old-{JAR}", False, id="name-prefix"),
        pytest.param(f"java -cp a.jar:/x/{JAR}.bak Main", False, id="classpath-backup"),
        pytest.param(f"tail -f /usr/local/my/{JAR}.log", False, id="log-of-the-jar"),
        pytest.param("java -jar", False, id="no-jar"),
    ],
)
def test_names_file(args: str, names: bool) -> None:
    assert Proc(2000, "java", args).names_file(JAR) is names


def test_names_file_apostrophes_in_other_arguments() -> None:
    args = f"java -Dgreeting=it's -jar /usr/local/my/{JAR} -Dfarewell=isn't"
    assert Proc(2000, "java", args).names_file(JAR)
