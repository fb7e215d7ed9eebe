"""The member notice's words and the plan's own values, both data.

- `policy/data/notice-<version>.json`: per policy version, a plain-language summary of every
  rule (what it asks, what would make the claim payable, the section of the policy it rests
  on), the documentation facts and indication groups in plain words. Versioned beside the
  policy so that an old record's notice says what was in force when it was decided; never the
  spec's formal text.
- The plan configuration (`policy/data/plan-config.sample.json` documents every field): the
  plan's name, member services, appeals address and deadlines, external review, the help line.
  A plan passes its own file; the renderer holds no such literal.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policy.downstream.notice.facts import NoticeError

SAMPLE_PLAN_CONFIG = "plan-config.sample.json"


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleWords(_Data):
    section: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    payable: str = Field(min_length=1)


class NoticeWords(_Data):
    """policy/data/notice-<version>.json."""

    about: str = Field(alias="_about")
    version: str
    policy_name: str
    rules: dict[str, RuleWords]
    facts: dict[str, str]
    groups: dict[str, str]
    services: dict[str, str]

    def rule(self, rule_id: str) -> RuleWords | None:
        """A rule's words; `ITDD-PA-01/expired` reads those of `ITDD-PA-01`."""
        return self.rules.get(rule_id.split("/", 1)[0])


class MemberServices(_Data):
    phone: str
    tty: str
    hours: str


class Appeals(_Data):
    address: tuple[str, ...] = Field(min_length=1)
    phone: str
    fax: str
    filing_days: int = Field(gt=0)  # 29 CFR 2560.503-1(h)(3)(i): at least 180
    decision_days: int = Field(gt=0)
    urgent_decision_hours: int = Field(gt=0)


class ExternalReview(_Data):
    filing_months: int = Field(gt=0)  # 45 CFR 147.136(c)-(d): at least 4 months


class Assistance(_Data):
    name: str
    phone: str


class PlanConfig(_Data):
    """A plan's own values for its notices."""

    about: str = Field(alias="_about", default="")
    plan_name: str = Field(min_length=1)
    member_services: MemberServices
    appeals: Appeals
    external_review: ExternalReview
    # An ERISA plan names the right to sue under section 502(a); a non-ERISA plan (e.g. a
    # government plan) says "in court" without it.
    erisa: bool
    consumer_assistance: Assistance
    ebsa_phone: str


@cache
def notice_words(version: str) -> NoticeWords:
    try:
        text = files("policy").joinpath("data", f"notice-{version}.json").read_text("utf-8")
    except FileNotFoundError:
        raise NoticeError(f"no member notice words for policy version {version}") from None
    words = NoticeWords.model_validate(json.loads(text))
    if words.version != version:
        raise NoticeError(f"notice-{version}.json declares version {words.version}")
    return words


def sample_plan_config() -> PlanConfig:
    """The documented sample (its values are examples, see its `_about`)."""
    text = files("policy").joinpath("data", SAMPLE_PLAN_CONFIG).read_text("utf-8")
    return PlanConfig.model_validate(json.loads(text))


def load_plan_config(path: Path) -> PlanConfig:
    """A plan's configuration file; one line naming the problem when it is not one."""
    try:
        value: Any = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise NoticeError(f"plan config {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise NoticeError(f"plan config {path}: not JSON ({error})") from None
    try:
        return PlanConfig.model_validate(value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise NoticeError(f"plan config {path}: {where}: {first['msg']}") from None
