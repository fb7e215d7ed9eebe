"""Decision notices for people: a provider notice (codes, rules, criteria, records requested)
and a member notice (plain words, appeal rights), each as text or HTML, from the same decision
record and request.

model (the document), facts (what both read from the pair), provider and member (the two
builders), lifecycle (what a re-adjudication changed), writers (text, HTML), language (the
member's words per policy version and the plan's configuration). All pure: no I/O but the
package's own data, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from policy.downstream.notice.facts import Facts, NoticeError
from policy.downstream.notice.language import (
    PlanConfig,
    load_plan_config,
    sample_plan_config,
)
from policy.downstream.notice.member import build_member
from policy.downstream.notice.model import Notice
from policy.downstream.notice.provider import build_provider
from policy.downstream.notice.writers import write_html, write_text

Audience = Literal["member", "provider"]
Format = Literal["text", "html"]
AUDIENCES: tuple[Audience, ...] = ("member", "provider")
SUFFIX = {"text": ".txt", "html": ".html"}

__all__ = [
    "AUDIENCES",
    "Audience",
    "Format",
    "NoticeError",
    "PlanConfig",
    "build_notice",
    "load_plan_config",
    "notice_html",
    "notice_text",
    "notices",
    "sample_plan_config",
]


def build_notice(
    record: Mapping[str, Any],
    request: Mapping[str, Any],
    audience: Audience = "provider",
    plan: PlanConfig | None = None,
) -> Notice:
    """The notice for one audience as a document; the member's needs the plan configuration
    (the documented sample when none is given)."""
    facts = Facts(record, request)
    if audience == "member":
        return build_member(facts, plan or sample_plan_config())
    return build_provider(facts)


def notice_text(
    record: Mapping[str, Any],
    request: Mapping[str, Any],
    audience: Audience = "provider",
    plan: PlanConfig | None = None,
) -> str:
    return write_text(build_notice(record, request, audience, plan))


def notice_html(
    record: Mapping[str, Any],
    request: Mapping[str, Any],
    audience: Audience = "provider",
    plan: PlanConfig | None = None,
) -> str:
    return write_html(build_notice(record, request, audience, plan))


def notices(
    record: Mapping[str, Any], request: Mapping[str, Any], plan: PlanConfig | None = None
) -> dict[str, str]:
    """Every notice of one decision, by file suffix (`member.txt`, `member.html`,
    `provider.txt`, `provider.html`): what the worker's optional outputs and the demo write."""
    out: dict[str, str] = {}
    for audience in AUDIENCES:
        notice = build_notice(record, request, audience, plan)
        out[f"{audience}.txt"] = write_text(notice)
        out[f"{audience}.html"] = write_html(notice)
    return out
