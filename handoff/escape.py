"""Escaping what visitors wrote for each format a brief is rendered in.

HTML is escaped by Jinja2's autoescape (MarkupSafe). Markdown and Slack mrkdwn
have no escaper in Jinja2, MarkupSafe or the standard library, and the
Markdown libraries (markdown-it-py, mistune) parse Markdown but do not escape
text into it, so the two escapers are written here:

- `markdown`: backslash-escapes the characters that start inline syntax
  (`` ` * _ [ ] < > | ~ & \\ ``), in multi-line text the characters that
  start a block at the beginning of a line (`#`, `-`, `+`, `=`, `1.`), and the colon of
  `javascript:`/`vbscript:`/`data:` so no renderer can make a link of it.
  CommonMark renders every backslash-escaped ASCII punctuation character as
  itself, so the SDR reads the words unchanged. Inline values lose their line
  breaks (a newline could start a heading or end a table row).
- `mrkdwn`: Slack's own rule (escape `&`, `<`, `>` and nothing else), which
  turns `<!channel>`, `<@U123>` and `<http://x|y>` into plain text, plus a
  zero-width joiner in `@channel`, `@here` and `@everyone` so they cannot ping
  even where Slack parses bare mentions. Truncation never cuts an entity.
- `clean`: applied to every value a template prints: drops C0/C1 control
  characters (terminal escapes) and Unicode bidirectional overrides, which can
  make a quote read differently from what it says.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_MD_INLINE = re.compile(r"[\\`*_\[\]<>|~&]")
# Backslash first, so the backslashes added before the other characters are not doubled.
_MD_INLINE_ESCAPES = tuple((char, "\\" + char) for char in "\\`*_[]<>|~&")
# The block starts: what follows a line start (in MULTILINE mode `^`, i.e. the text's start or a
# newline) and its leading white space. Each is matched at the text's start, and after a literal
# newline everywhere else, which re finds much faster than trying `^` at every position.
_MD_LINE_START = re.compile(r"(\s*)([#+=-])")
_MD_LINE_START_AFTER_NEWLINE = re.compile(r"(\n\s*)([#+=-])")
_MD_ORDERED = re.compile(r"(\s*\d{1,9})([.)])")
_MD_ORDERED_AFTER_NEWLINE = re.compile(r"(\n\s*\d{1,9})([.)])")
_MD_SCHEME = re.compile(r"\b(javascript|vbscript|data|file)\s*:", re.I)
# A colon after t, a or e (the schemes' last letters, in any case) or after two spaces: every
# text _MD_SCHEME matches has one. Searched first because it is cheap (it starts with a literal
# colon) and _MD_SCHEME, case-insensitive with four branches, is slow on long text.
_MD_SCHEME_HINT = re.compile(r":(?:(?<=[tTaAeE]:)|(?<=[tTaAeE]\s:)|(?<=\s\s:))")
_SLACK_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.I)
_SLACK_SPECIAL = re.compile(r"[&<>]")
_SLACK_ENTITY_GROWTH = {"&": len("&amp;") - 1, "<": len("&lt;") - 1, ">": len("&gt;") - 1}
_ZWJ = "\u2060"  # word joiner: invisible, breaks "@here" for Slack's parser

# Speed: a brief prints a few hundred values in four formats and most hold no character an
# escaper changes, so each step first looks for one (`in`, `isprintable`, or a search that re
# runs in C without calling back into Python) and leaves the text alone when there is none.
# Replacing is done with str.replace (faster here than str.translate or re.sub with a template).


def clean(text: str) -> str:
    """Text without control characters or bidirectional overrides; tabs and newlines stay."""
    if text.isprintable():  # no control, format or line-break character at all: nothing to drop
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    elif text.replace("\n", " ").isprintable():  # the usual multi-line text: faster than the search below
        return text
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub("", text)


def markdown(text: str, *, inline: bool = True) -> str:
    """Visitor text as literal Markdown. `inline`: one line (for lists, headings, table cells)."""
    text = clean(text)
    if inline:
        text = " ".join(text.split())
    if _MD_INLINE.search(text) is not None:
        for char, escaped in _MD_INLINE_ESCAPES:
            if char in text:
                text = text.replace(char, escaped)
    if _MD_SCHEME_HINT.search(text) is not None:
        text = _MD_SCHEME.sub(lambda m: m.group(0)[:-1] + "\\:", text)
    if inline:  # never at the start of a line: the template puts a label or a cell border first
        return text
    text = _escape_line_starts(text, _MD_ORDERED, _MD_ORDERED_AFTER_NEWLINE)
    return _escape_line_starts(text, _MD_LINE_START, _MD_LINE_START_AFTER_NEWLINE)


def _escape_line_starts(text: str, at_start: re.Pattern[str], after_newline: re.Pattern[str]) -> str:
    """A backslash before the second group of every match at a line start (re.sub with `^` under re.M)."""
    head = ""
    first = at_start.match(text)
    if first is not None:
        head = first.group(1) + "\\" + first.group(2)
        text = text[first.end() :]
    if "\n" in text:
        text = after_newline.sub(_backslash_before_second, text)
    return head + text


def _backslash_before_second(match: re.Match[str]) -> str:
    return match.group(1) + "\\" + match.group(2)


def markdown_quote(text: str) -> str:
    """Visitor text as a Markdown block quote, every line escaped and prefixed with '> '."""
    lines = markdown(text, inline=False).split("\n")
    return "\n".join(f"> {line}".rstrip() if line.strip() else ">" for line in _trim(lines))


def mrkdwn(text: str, limit: int | None = None, *, inline: bool = True) -> str:
    """Visitor text for a Slack mrkdwn field, at most `limit` characters once escaped."""
    text = clean(text)
    if inline:
        text = " ".join(text.split())
    if "@" in text:
        text = _SLACK_BROADCAST.sub(lambda m: "@" + _ZWJ + m.group(1), text)
    escaped = _slack_entities(text)
    if limit is None or len(escaped) <= limit - 1 or not text:  # (empty stays empty, however small the limit)
        return escaped
    # Too long: keep the longest start whose escaped form fits in `limit - 1` characters (never
    # half an entity), and add "…". `growth`: how much longer the entities so far made it.
    room = limit - 1
    growth = 0
    for match in _SLACK_SPECIAL.finditer(text):
        at = match.start()
        if at + growth > room:  # the cut comes before this entity
            break
        growth += _SLACK_ENTITY_GROWTH[match.group()]
        if at + 1 + growth > room:  # this entity does not fit
            return _slack_entities(text[:at]) + "…"
    return _slack_entities(text[: max(room - growth, 0)]) + "…"


def _slack_entities(text: str) -> str:
    if _SLACK_SPECIAL.search(text) is None:
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_quote(text: str, limit: int | None = None) -> str:
    """Visitor text as a Slack block quote ('>' before every line), at most `limit` characters."""
    escaped = mrkdwn(text, None if limit is None else limit - 2 * text.count("\n") - 2, inline=False)
    return "\n".join(f">{line}" for line in _trim(escaped.split("\n")))


def text_quote(text: str) -> str:
    """Visitor text as a plain-text email quote: every line behind '> ', so it cannot pose as ours."""
    return "\n".join(f"> {line}".rstrip() for line in _trim(clean(text).split("\n")))


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines or [""]
