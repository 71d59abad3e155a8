"""The first wall against SQL that acts on a server: every query is parsed at load, in the
dialect of its database's engine (sqlglot), and must be exactly one read statement.

Accepted: SELECT, WITH ... SELECT, set operations, VALUES, TABLE, SHOW, DESCRIBE, EXPLAIN of an
accepted statement, and (SQLite) the pragmas that only report. Everything else is refused with
the reason, failing closed: what sqlglot cannot parse, or parses only as an opaque ``Command``
whose keyword is not a read, is refused too. The read-only session (:mod:`xunjian.observe.db`)
is the second wall and the account's privileges (:mod:`xunjian.observe.privileges`) the third.

Where the server could read the text differently from the parser, the query is refused rather
than guessed at: MySQL's executable comments (``/*! ... */``, which the server runs), and a
backslash before a quote, whose meaning depends on NO_BACKSLASH_ESCAPES (MySQL) or
standard_conforming_strings (PostgreSQL).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Protocol, runtime_checkable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokenizer_core import Token, TokenType

from xunjian.inventory import sqlrules
from xunjian.inventory.model import AnyDatabase

logging.getLogger("sqlglot").addHandler(logging.NullHandler())  # its fallback notes, unprinted

DIALECTS = {"mysql": "mysql", "postgresql": "postgres", "sqlite": "sqlite"}
ACCEPTED = "one read statement (SELECT, WITH ... SELECT, SHOW, DESCRIBE, EXPLAIN)"


@runtime_checkable
class HasQueries(Protocol):
    def queries(self) -> list[tuple[str, str, str]]:
        """(database name, SQL, key below the check) of every query the check runs."""
        ...


def problems(where: str, check: object, databases: Mapping[str, AnyDatabase]) -> list[str]:
    """``KEY: reason`` for each query of ``check`` that is not one read statement."""
    if not isinstance(check, HasQueries):
        return []
    found = []
    for db_name, sql, suffix in check.queries():
        db = databases.get(db_name)
        if db is not None:  # an undeclared database is reported by the loader
            reason = refusal(sql, db.engine)
            if reason:
                found.append(f"{where}.{suffix}: {reason}")
    return found


@lru_cache(maxsize=4096)  # a template's query is the same on every host that applies it
def refusal(sql: str, engine: str) -> str | None:
    """Why ``sql`` is not one read statement in ``engine``'s dialect; None when it is."""
    dialect = DIALECTS.get(engine)
    if dialect is None:
        return f"no SQL dialect is known for engine {engine!r}, so the query cannot be checked"
    if _CONTROL.search(sql):
        return "holds a control character (other than tab and newline): write the query plainly"
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(sql)
    except SqlglotError as e:
        return f"cannot be read as {engine} SQL ({_first_line(e)}): expected {ACCEPTED}"
    while tokens and tokens[-1].token_type is TokenType.SEMICOLON:
        tokens.pop()
    if not tokens:
        return f"the query is empty: expected {ACCEPTED}"
    reason = _lexical(sql, tokens, dialect)
    if reason:
        return reason
    lead = tokens[0].text.upper()
    if lead == "PRAGMA":
        return _pragma(tokens) if dialect == "sqlite" else f"PRAGMA is SQLite's, not {engine}'s"
    if lead in sqlrules.LEADS:
        return _not_a_read(lead)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as e:
        return f"cannot be parsed as {ACCEPTED} in the {engine} dialect: {_first_line(e)}"
    if len(statements) != 1:
        return f"holds {len(statements)} statements: a query is one read statement"
    return _statement(statements[0], lead, engine)


def _first_line(e: Exception) -> str:
    """sqlglot's message, its first line, with a token's repr shortened to its text."""
    line = (str(e).splitlines() or [type(e).__name__])[0]
    return _TOKEN_REPR.sub(r"'\1'", line)[:200]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN_REPR = re.compile(r"<Token token_type: [^,]*, text: (.*?), line: .*?>")


def _not_a_read(keyword: str) -> str:
    return f"{keyword} is not a read statement: it {sqlrules.LEADS[keyword]}"


def _lexical(sql: str, tokens: list[Token], dialect: str) -> str | None:
    """Multiple statements, file output, and text the server may read otherwise than sqlglot."""
    for i, token in enumerate(tokens):
        if token.token_type is TokenType.SEMICOLON:
            return "holds more than one statement (a ';' before its end): a query is one read statement"
        if dialect == "mysql" and any(
            c.lstrip().upper().startswith(("!", "M!")) for c in token.comments
        ):
            return "holds a MySQL executable comment (/*! ... */): the server runs it as code"
        raw = sql[token.start : token.end + 1]
        if dialect != "sqlite" and re.search(r"\\['\"`]", raw) and not _e_string(raw, dialect):
            return (
                "a backslash before a quote reads differently by server setting "
                "(NO_BACKSLASH_ESCAPES, standard_conforming_strings): write a quote as ''"
            )
        following = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
        if dialect == "postgres" and _unicode_name(tokens[i : i + 3]):
            return 'a U&"..." name spells a name by escapes: write the name plainly'
        if token.token_type is TokenType.INTO and following in ("OUTFILE", "DUMPFILE"):
            return f"SELECT ... INTO {following} writes a file on the database server"
    return None


def _unicode_name(three: list[Token]) -> bool:
    """PostgreSQL's U&"\\0070g_..." (one name, no spaces), which sqlglot reads as U & "..."."""
    if len(three) < 3 or three[0].text.upper() != "U" or three[1].text != "&":
        return False
    adjacent = three[0].end + 1 == three[1].start and three[1].end + 1 == three[2].start
    return adjacent and three[2].token_type is TokenType.IDENTIFIER


def _e_string(raw: str, dialect: str) -> bool:
    """PostgreSQL's E'...' reads backslashes the same whatever the server's settings."""
    return dialect == "postgres" and raw[:2].upper() == "E'"


def _pragma(tokens: list[Token]) -> str | None:
    """PRAGMA [schema.]name [(arg)]: the pragmas that report, never one that sets."""
    words = tokens[1:]
    if len(words) >= 2 and words[1].token_type is TokenType.DOT:
        words = words[2:]
    if not words:
        return "PRAGMA without a name"
    name, rest = words[0].text.lower(), words[1:]
    if rest and rest[0].token_type is TokenType.EQ:
        return f"PRAGMA {name} = ... changes a setting: only pragmas that report are accepted"
    if name in sqlrules.PRAGMAS_WITH_ARGUMENT:
        return None
    if name in sqlrules.PRAGMAS_BARE:
        return f"PRAGMA {name}(...) changes a setting: write it bare to read it" if rest else None
    return f"PRAGMA {name} is not one of the pragmas that only report (e.g. table_info)"


def _statement(stmt: exp.Expr, lead: str, engine: str) -> str | None:
    """An accepted kind of statement at the top, and nothing that acts anywhere inside it."""
    if isinstance(stmt, exp.Command):
        keyword = stmt.name.upper()
        first = keyword.split()[0] if keyword else lead
        if first == "SHOW":
            return None
        if first == "EXPLAIN":
            inner = sqlrules.EXPLAIN_OPTIONS.sub("", _text(stmt.expression))
            reason = refusal(inner, engine)
            return f"EXPLAIN of a refused statement: {reason}" if reason else None
        return _not_a_read(first) if first in sqlrules.LEADS else f"{keyword} is not {ACCEPTED}"
    if isinstance(stmt, exp.Describe):
        target = stmt.this
        if isinstance(target, exp.Table):
            return None
        reason = _statement(target, lead, engine) if isinstance(target, exp.Expr) else None
        return f"EXPLAIN of a refused statement: {reason}" if reason else None
    if not isinstance(stmt, exp.Query | exp.Values | exp.Show):
        key = stmt.key.upper()
        if key in sqlrules.LEADS:
            return _not_a_read(key)
        return f"{lead} does not start {ACCEPTED}"
    for node in stmt.walk():
        reason = _inside(node, engine)
        if reason:
            return reason
    return None


def _text(node: object) -> str:
    return node.name if isinstance(node, exp.Expr) else ""


def _inside(node: exp.Expr, engine: str) -> str | None:
    """Why this node of a read statement acts on the server, if it does."""
    if isinstance(node, exp.Into):
        if engine == "mysql" or node.find(exp.Parameter):
            return "SELECT ... INTO assigns variables instead of returning rows"
        return "SELECT ... INTO a table creates that table instead of returning rows"
    if isinstance(node, exp.Lock):
        clause = "FOR UPDATE" if node.args.get("update") else "FOR SHARE / LOCK IN SHARE MODE"
        return f"a locking clause ({clause}) locks the rows it reads"
    if isinstance(node, exp.PropertyEQ) and engine == "mysql":
        return "assigns a user variable (@x := ...): a query only reads"
    if isinstance(node, sqlrules.ACTING_NODES):
        key = node.key.upper()
        what = sqlrules.LEADS.get(key, "is not a read")
        return f"holds {key} inside the statement (e.g. in a WITH): it {what}"
    if isinstance(node, exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        why = sqlrules.function_acts(name)
        if why:
            return f"calls {name.lower()}(), which {why}"
    return None
