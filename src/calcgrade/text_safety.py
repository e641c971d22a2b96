"""Student-controlled text made safe for the place it is shown.

Folder and file names, exception messages and printed output come from
students. Before any of it reaches a terminal or a text file, control
characters (terminal escapes, carriage returns, bidirectional overrides) are
shown as visible escapes such as ``\\x1b``, so that they can neither move the
cursor, clear a screen, hide text nor forge a link.
"""

from __future__ import annotations

import re

# C0 and C1 controls except tab and newline; DEL; bidirectional embeddings,
# overrides and isolates; line and paragraph separators.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``).

    Tabs stay; newlines stay unless ``newlines`` is false (for one-line fields
    such as a student's name), then they are shown as ``\\x0a``.
    """
    shown = _CONTROL.sub(_escape, text)
    if not newlines:
        shown = shown.replace("\n", "\\x0a").replace("\t", "\\x09")
    return shown


# The characters that can start inline Markdown (HTML, entities, links, images, code,
# emphasis, strikethrough, table cells) when the text is not at the start of a line.
_MARKDOWN_PUNCTUATION = re.compile(r"""([\\`*_\[\]<>&|~#!])""")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def markdown_text(text: str) -> str:
    """``text`` as one line of inline Markdown that shows exactly these characters.

    Control characters and newlines become visible escapes (``printable``), then
    every character that can start inline Markdown is backslash-escaped, so that
    the text can form no HTML tag, entity, link, image, code span, emphasis or
    table cell break: it renders as plain text. It is meant for text placed after
    something else on its line (a heading's words, a list item's label), where
    no block (a list, a heading) can begin.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", printable(text, newlines=False))


def csv_cell(text: str) -> str:
    """``text`` as a spreadsheet cell that is never run as a formula.

    OWASP's rule for CSV injection: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading ``'``, which spreadsheets
    read as "this is text". Control characters and newlines become visible
    escapes (``printable``), so the cell is one line. Use it on text cells only,
    never on numbers.
    """
    shown = printable(text, newlines=False)
    return f"'{shown}" if text.startswith(_FORMULA_STARTS) else shown
