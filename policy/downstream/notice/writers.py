"""The two writers of a notice: plain text (lines of at most 78 characters, wider only where a
single word is longer) and one self-contained HTML document (no script, no external resource,
every value escaped). They print the document model; they decide nothing."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

from policy.downstream.notice.model import Block, Fields, Items, Notice, Para, Part

WIDTH = 78
_CSS = (
    "body{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "blockquote{border-left:3px solid #888;margin:.5em 0 .5em 1em;padding-left:1em}"
    "dt{font-weight:bold;float:left;clear:left;width:13em}dd{margin:0 0 .2em 14em}"
    "h2{border-bottom:1px solid #888}"
)


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def write_text(notice: Notice) -> str:
    out = [notice.title.upper(), *_wrap(notice.subtitle), "=" * WIDTH, ""]
    out += _text_fields(notice.fields, "")
    for section in notice.sections:
        out += ["", section.title.upper(), "-" * WIDTH]
        out += _text_blocks(section.blocks, "")
    return "\n".join(out) + "\n"


def _text_blocks(blocks: Sequence[Block], indent: str) -> list[str]:
    """Blocks one blank line apart; a list stays with the paragraph that introduces it."""
    out: list[str] = []
    for n, block in enumerate(blocks):
        if n and not isinstance(block, Items):
            out.append("")
        out += _text_block(block, indent)
    return out


def _text_block(block: Block, indent: str) -> list[str]:
    if isinstance(block, Para):
        return _wrap(block.text, indent)
    if isinstance(block, Items):
        inner = indent + "    "
        return [line for item in block.items for line in _wrap(item, inner, indent + "  - ")]
    if isinstance(block, Fields):
        return _text_fields(block, indent)
    if isinstance(block, Part):
        return [*_wrap(block.heading, indent), *_text_blocks(block.blocks, indent + "  ")]
    lines = [*_wrap(block.label, indent), *_wrap(f'"{block.text}"', indent + "  ")]
    for row in block.rows:
        lines += _wrap(row, indent + "    ", indent + "  - ")
    return lines


def _text_fields(fields: Fields, indent: str) -> list[str]:
    width = max(len(name) for name, _ in fields.rows) + 2
    lines: list[str] = []
    for name, value in fields.rows:
        lead = f"{indent}{name}:".ljust(len(indent) + width)
        lines += _wrap(value, " " * len(lead), lead)
    return lines


def write_html(notice: Notice) -> str:
    e = _escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(notice.title)}: {e(notice.fields.rows[0][1])}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(notice.title)}</h1>",
        f"<p>{e(notice.subtitle)}</p>",
        *_html_fields(notice.fields),
    ]
    for section in notice.sections:
        out += ["<section>", f"<h2>{e(section.title)}</h2>"]
        for block in section.blocks:
            out += _html_block(block)
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_block(block: Block) -> list[str]:
    e = _escape
    if isinstance(block, Para):
        return [f"<p>{e(block.text)}</p>"]
    if isinstance(block, Items):
        return ["<ul>", *(f"<li>{e(item)}</li>" for item in block.items), "</ul>"]
    if isinstance(block, Fields):
        return _html_fields(block)
    if isinstance(block, Part):
        inner = [line for child in block.blocks for line in _html_block(child)]
        return ["<article>", f"<h3>{e(block.heading)}</h3>", *inner, "</article>"]
    lines = [f"<h4>{e(block.label)}</h4>", f"<blockquote><p>{e(block.text)}</p>"]
    if block.rows:
        lines += ["<ul>", *(f"<li>{e(row)}</li>" for row in block.rows), "</ul>"]
    lines.append("</blockquote>")
    return lines


def _html_fields(fields: Fields) -> list[str]:
    e = _escape
    rows = [f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in fields.rows]
    return ["<dl>", *rows, "</dl>"]


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
