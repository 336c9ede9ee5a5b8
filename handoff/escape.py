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
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([#+=-])", re.M)
_MD_ORDERED = re.compile(r"^(\s*\d{1,9})([.)])", re.M)
_MD_SCHEME = re.compile(r"\b(javascript|vbscript|data|file)\s*:", re.I)
_SLACK_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.I)
_ZWJ = "\u2060"  # word joiner: invisible, breaks "@here" for Slack's parser


def clean(text: str) -> str:
    """Text without control characters or bidirectional overrides; tabs and newlines stay."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def markdown(text: str, *, inline: bool = True) -> str:
    """Visitor text as literal Markdown. `inline`: one line (for lists, headings, table cells)."""
    text = clean(text)
    if inline:
        text = " ".join(text.split())
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_SCHEME.sub(lambda m: m.group(0)[:-1] + "\\:", text)
    if inline:  # never at the start of a line: the template puts a label or a cell border first
        return text
    text = _MD_ORDERED.sub(r"\1\\\2", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def markdown_quote(text: str) -> str:
    """Visitor text as a Markdown block quote, every line escaped and prefixed with '> '."""
    lines = markdown(text, inline=False).split("\n")
    return "\n".join(f"> {line}".rstrip() if line.strip() else ">" for line in _trim(lines))


def mrkdwn(text: str, limit: int | None = None, *, inline: bool = True) -> str:
    """Visitor text for a Slack mrkdwn field, at most `limit` characters once escaped."""
    text = clean(text)
    if inline:
        text = " ".join(text.split())
    text = _SLACK_BROADCAST.sub(lambda m: "@" + _ZWJ + m.group(1), text)
    out: list[str] = []
    size = 0
    for char in text:
        piece = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)
        if limit is not None and size + len(piece) > limit - 1:
            out.append("…")
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)


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
