"""HTML in messages -> plain text a person would read.

Chat vendors (Intercom, Chatwoot, Zendesk...) send message bodies as HTML
fragments (`<p>Hi</p><p>We need <b>20</b> seats</p>`), and some form add-ons
escape entities. `to_text` keeps the words and line structure, drops tags,
scripts and styles, and decodes entities. Text that carries no markup is
returned unchanged, so a plain "a < b" survives.

Built on the standard library's `html.parser.HTMLParser` (tolerant of broken
markup, no network, linear time). BeautifulSoup or lxml would add a dependency
for the same result on fragments this small; bleach is deprecated.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# A tag (`<p>`, `</div>`, `<br/>`, `<a href="...">`) or a character reference.
_MARKUP = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "dd",
        "dt",
    }
)
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def has_markup(text: str) -> bool:
    return _MARKUP.search(text) is not None


def to_text(text: str) -> str:
    """Plain text of an HTML fragment; text without markup comes back as is."""
    if not has_markup(text):
        return text
    parser = _TextCollector()
    parser.feed(text)
    parser.close()
    joined = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in joined.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def unescape(text: str) -> str:
    """Entities only (`&amp;` -> `&`), for values that are text but arrive escaped."""
    return html.unescape(text)
