"""The notice as data: sections of paragraphs, lists, fields and quotes (Pandoc's shape: the
builders make this document for their audience, the writers only print it), so the text and the
HTML of a notice can never tell different stories."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fields:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """A rule's own words, with its criteria rows (MN rules) under it."""

    label: str
    text: str
    rows: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Part:
    """A titled part of a section: one line, one finding."""

    heading: str
    blocks: tuple[Para | Items | Fields | Quote, ...]


Block = Para | Items | Fields | Quote | Part


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    subtitle: str
    fields: Fields
    sections: tuple[Section, ...]


def sentences(notice: Notice) -> list[str]:
    """Every piece of text the notice shows, in reading order (titles, field rows, paragraphs,
    list items, quotes): what a reader reads aloud, for readability measures."""
    out = [notice.title, notice.subtitle, *(f"{k}: {v}" for k, v in notice.fields.rows)]
    for section in notice.sections:
        out.append(section.title)
        for block in section.blocks:
            out += _block_text(block)
    return out


def _block_text(block: Block) -> list[str]:
    if isinstance(block, Para):
        return [block.text]
    if isinstance(block, Items):
        return list(block.items)
    if isinstance(block, Fields):
        return [f"{k}: {v}" for k, v in block.rows]
    if isinstance(block, Quote):
        return [block.label, block.text, *block.rows]
    return [block.heading, *(t for child in block.blocks for t in _block_text(child))]
