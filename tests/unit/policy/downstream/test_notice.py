"""The provider notice (policy/downstream/notice/provider.py): every public case in both formats,
the plan's words per version, escaping.

The seed's golden files are checked, and regenerated, by test_member_notice.py.
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from policy.catalog import PolicyData, _read_json, load_policy
from policy.downstream.notice import NoticeError, notice_html, notice_text
from policy.engine import internal_error_record
from tests.unit.conftest import CASES, decide_raw, request_of

GOLDEN = Path(__file__).parent / "golden"
SEED = "ITDD-TC-001"
V100, V110 = load_policy("1.0.0"), load_policy("1.1.0")

# Every rule id the engine can put in `rule_ids` (policy-spec §5, §6).
ALL_RULE_IDS = {
    *(f"ITDD-SCOPE-0{n}" for n in range(1, 5)),
    *(f"ITDD-VAL-{n:02d}" for n in range(1, 11)),
    "ITDD-DUP-01",
    "ITDD-ELIG-01",
    "ITDD-ELIG-02",
    "ITDD-ELIG-03",
    "ITDD-DATE-01",
    *(f"ITDD-DX-0{n}" for n in range(1, 5)),
    "ITDD-BEN-01",
    *(f"ITDD-COD-0{n}" for n in range(1, 5)),
    "ITDD-BUN-01",
    *(f"ITDD-DRUG-0{n}" for n in range(1, 7)),
    *(f"ITDD-IND-0{n}" for n in range(1, 4)),
    *(f"ITDD-EI-0{n}" for n in range(1, 5)),
    "ITDD-PA-01",
    "ITDD-PA-02",
    "ITDD-FREQ-01",
    *(f"ITDD-MN-0{n}" for n in range(1, 6)),
    "ITDD-SAFE-01",
    "ITDD-DOC-01",
    "ITDD-AGG-01",
    "ITDD-AGG-02",
}
LINE_WORDS = {
    "approve": "Approved",
    "deny": "Denied",
    "pend": "Pending",
    "not_reviewed": "Not reviewed under this policy",
}


def _pair(case_id: str, version: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    request = request_of(case_id)
    return decide_raw(request, version), request


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- reading a text notice back ------------------------------------------------------------


def _text_sections(notice: str) -> dict[str, str]:
    """Section title (upper case) -> its body."""
    parts = re.split(r"\n\n([A-Z][A-Z ,()0-9.:/-]*)\n-{78}\n", notice)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _text_parts(body: str) -> dict[str, str]:
    """'Line n' -> the part under that heading (headings start in column 0)."""
    out: dict[str, str] = {}
    for chunk in re.split(r"\n(?=Line \d+:)", "\n" + body):
        match = re.match(r"(Line \d+):", chunk)
        if match:
            out[match.group(1)] = chunk
    return out


def _field(part: str, name: str) -> str:
    match = re.search(rf"^\s*{name}:\s+(.*(?:\n {{6,}}\S.*)*)", part, re.M)
    assert match, f"no {name} in {part!r}"
    return _flat(match.group(1))


# --- reading an HTML notice back -----------------------------------------------------------

VOID = {"meta"}
ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p"),
    *("section", "article", "dl", "dt", "dd", "ul", "li", "blockquote"),
}


class _Node:
    def __init__(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, tag: str) -> list[_Node]:
        found = [c for c in self.children if isinstance(c, _Node) and c.tag == tag]
        for child in self.children:
            if isinstance(child, _Node):
                found += child.find(tag)
        return found


class _Tree(HTMLParser):
    """Builds the element tree and fails on anything not well formed or not allowed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#document", [])
        self.stack = [self.root]
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in {"lang", "charset", "http-equiv", "content"}, name
            assert "http" not in (value or "") and "url(" not in (value or "")
        node = _Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _tree(document: str) -> _Node:
    parser = _Tree()
    parser.feed(document)
    parser.close()
    assert parser.stack == [parser.root], "unclosed elements"
    assert parser.doctype == "DOCTYPE html"
    return parser.root


def _html_sections(root: _Node) -> dict[str, _Node]:
    return {s.find("h2")[0].text(): s for s in root.find("section")}


def _html_fields(node: _Node) -> dict[str, str]:
    terms = [t.text() for t in node.find("dt")]
    values = [d.text() for d in node.find("dd")]
    return dict(zip(terms, values, strict=True))


# --- the seed (its golden files: test_member_notice.py, seed.provider.txt / .html) ----------


def test_seed_says_what_the_issue_asks() -> None:
    # §9: pend P3, documentation requested; spasticity is not a labeled indication for
    # morphine (E/I finding, EI-01), intrathecal baclofen is the labeled agent for spasticity.
    flat = _flat(notice_text(*_pair(SEED)))
    assert "DECISION: PENDING" in flat
    assert (
        "They must arrive by 2026-04-16: 45 calendar days after the records were requested, "
        "2026-03-02" in flat
    )
    assert 'morphine for "Symptom-only coding of spasticity (R25.2)" (SPASTICITY_SYMPTOM)' in flat
    assert "preservative-free morphine, or ziconotide, for spasticity" in flat
    assert "Labeled for this indication: baclofen, intrathecal" in flat
    assert "intrathecal baclofen (J0476 screening bolus, J0475) for spasticity" in flat
    assert "TSTMBR000001" in flat
    assert "1968-04-12" not in flat  # date of birth: not in the notice
    assert "M96.1" in flat and "R25.2" in flat  # only as the plan's words for the groups


# --- every public case, both formats -----------------------------------------------------------


def _check_line_rules(line: dict[str, Any], rules: list[str], record: dict[str, Any]) -> None:
    """The rules a notice names for a line are the record's and can give the line's outcome."""
    assert rules, line
    assert set(rules) <= set(record["rule_ids"])
    if "ITDD-AGG-02" not in record["rule_ids"]:
        assert rules == record["rule_ids"]  # a gate: one rule for every line (§8.3 case 1)
        return
    if line["decision"] == "not_reviewed":
        assert rules == ["ITDD-SCOPE-03"]
    elif line["decision"] == "deny" and rules != ["ITDD-AGG-01"]:
        adjustment = (line["group_code"], line["carc"], tuple(line["rarc"]))
        deciding = {
            key.split("/")[0]
            for key, a in V100.outcomes.items()
            if (a.group_code, a.carc, a.rarc) == adjustment
        }
        if "ITDD-MN" in deciding:  # CO-50: the MN rules whose criteria failed
            deciding |= {r for r in rules if r.startswith("ITDD-MN-")}
        assert set(rules) & deciding, (line, rules)
    elif line["decision"] == "pend" and rules != ["ITDD-AGG-01"]:
        assert {"ITDD-DOC-01", "ITDD-SAFE-01", "ITDD-PA-01", "ITDD-PA-02"} & set(rules)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_public_case_as_text(case_id: str) -> None:
    record, request = _pair(case_id)
    notice = notice_text(record, request)
    assert all(len(line) <= 78 for line in notice.splitlines() if " " in line.strip())
    sections = _text_sections(notice)
    flat = _flat(notice)
    plan = _flat(sections[f"WHAT THE PLAN SAYS ({record['policy_version']})"])
    for rule in record["rule_ids"]:
        assert _flat(f'{rule} "{V100.plan_language.rules[rule]}"') in plan
    if record["decision"] == "ignore":
        assert "DECISION: NO DECISION UNDER THIS POLICY" in sections
        assert "outside the plan's ITDD policy" in flat
        assert "standard adjudication" in flat
        assert "WHAT WE DECIDED FOR EACH LINE" not in sections
        return
    parts = _text_parts(sections["WHAT WE DECIDED FOR EACH LINE"])
    assert len(parts) == len(record["line_decisions"])
    for line in record["line_decisions"]:
        part = parts[f"Line {line['line_number']}"]
        assert _field(part, "Decision").startswith(LINE_WORDS[line["decision"]])
        if line["decision"] == "deny":
            rarc = f" / {', '.join(line['rarc'])}" if line["rarc"] else ""
            assert _field(part, "Adjustment") == f"{line['group_code']}-{line['carc']}{rarc}"
        _check_line_rules(line, _field(part, "Rules applied").split(", "), record)
        for entry in line.get("criteria_failed", []):
            assert entry.split(":")[1] in part
    _check_pend_and_findings(record, flat, sections)


def _check_pend_and_findings(record: dict[str, Any], flat: str, sections: dict[str, str]) -> None:
    if record["decision"] == "pend":
        waiting = _flat(sections["WHAT WE ARE WAITING FOR, AND BY WHEN"])
        for fact in record["pend"]["documentation_missing"]:
            assert f"{fact} (ITDD-MN-0" in waiting
        due = date.fromisoformat(record["processing_date"]) + timedelta(days=45)
        if record["claim_status_category"] == "P3":
            assert f"They must arrive by {due.isoformat()}" in waiting
            assert record["pend"]["followup"] in waiting
        else:
            assert "there is no deadline" in waiting
            assert due.isoformat() not in waiting
    for finding in record["informational_findings"]:
        assert f"{finding['agent']} for " in sections["OTHER FINDINGS"]
        assert f"({finding['indication_group']})" in _flat(sections["OTHER FINDINGS"])
    if record["informational_findings"]:
        assert _flat(V100.plan_language.labeled_agents) in flat


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_public_case_as_html(case_id: str) -> None:
    record, request = _pair(case_id)
    document = notice_html(record, request)
    root = _tree(document)
    assert not root.find("script") and "<script" not in document.lower()
    sections = _html_sections(root)
    quotes = {h.text(): q for h, q in _quotes(root)}
    for rule in record["rule_ids"]:
        assert _flat(quotes[rule].find("p")[0].text()) == _flat(V100.plan_language.rules[rule])
    if record["decision"] == "ignore":
        assert "Decision: NO DECISION UNDER THIS POLICY" in sections
        assert "What we decided for each line" not in sections
        return
    articles = sections["What we decided for each line"].find("article")
    assert len(articles) == len(record["line_decisions"])
    for article, line in zip(articles, record["line_decisions"], strict=True):
        assert article.find("h3")[0].text().startswith(f"Line {line['line_number']}: ")
        fields = _html_fields(article)
        assert fields["Decision"].startswith(LINE_WORDS[line["decision"]])
        _check_line_rules(line, fields["Rules applied"].split(", "), record)
    if record["decision"] == "pend" and record["claim_status_category"] == "P3":
        due = date.fromisoformat(record["processing_date"]) + timedelta(days=45)
        waiting = sections["What we are waiting for, and by when"]
        assert f"They must arrive by {due.isoformat()}" in waiting.text()
        listed = [li.text().split(" ")[0] for li in waiting.find("li")]
        assert listed == record["pend"]["documentation_missing"]


def _quotes(root: _Node) -> list[tuple[_Node, _Node]]:
    """(h4, blockquote) pairs of the plan's words, in document order."""
    pairs: list[tuple[_Node, _Node]] = []
    for section in root.find("section"):
        children = [c for c in section.children if isinstance(c, _Node)]
        pairs += [
            (a, b)
            for a, b in itertools.pairwise(children)
            if a.tag == "h4" and b.tag == "blockquote"
        ]
    return pairs


# --- which rules decided which line ------------------------------------------------------------


def test_two_drug_lines_each_name_their_own_rules() -> None:
    # TC-023: morphine for pain on line 2 (MN-01, MN-05), baclofen for spasticity on line 3
    # (MN-03, MN-05); the record's rule_ids alone cannot tell which line MN-05 came from.
    record, request = _pair("ITDD-TC-023")
    parts = _text_parts(
        _text_sections(notice_text(record, request))["WHAT WE DECIDED FOR EACH LINE"]
    )
    assert _field(parts["Line 2"], "Rules applied") == "ITDD-MN-01, ITDD-MN-05"
    assert _field(parts["Line 3"], "Rules applied") == "ITDD-MN-03, ITDD-MN-05"
    assert _field(parts["Line 1"], "Rules applied") == "ITDD-AGG-01"


def test_the_rules_of_a_line_are_the_records_not_the_engines() -> None:
    # The notice reads what the record says decided each line; it never decides again.
    record, request = _pair("ITDD-TC-006")
    record["line_rule_ids"][1] = {"line_number": 2, "rule_ids": ["ITDD-SAFE-01"]}
    parts = _text_parts(
        _text_sections(notice_text(record, request))["WHAT WE DECIDED FOR EACH LINE"]
    )
    assert _field(parts["Line 2"], "Rules applied") == "ITDD-SAFE-01"
    assert _field(parts["Line 1"], "Rules applied") == "ITDD-AGG-01"


@pytest.mark.parametrize(
    ("case_id", "rules"),
    [
        # TC-023: line-level; every line refers to the claim's rules, quoted in full.
        ("ITDD-TC-023", ["the claim's, quoted below"] * 3),
        # A gate still names its gate on every line: the record says the gate decided them all.
        ("ITDD-TC-058", ["ITDD-COD-02"] * 2),
    ],
)
def test_a_record_from_before_line_rule_ids_refers_to_the_claims_rules(
    case_id: str, rules: list[str]
) -> None:
    record, request = _pair(case_id)
    del record["line_rule_ids"]
    notice = notice_text(record, request)
    parts = _text_parts(_text_sections(notice)["WHAT WE DECIDED FOR EACH LINE"])
    assert [_field(parts[f"Line {n}"], "Rules applied") for n in range(1, len(rules) + 1)] == rules
    plan = _text_sections(notice)[f"WHAT THE PLAN SAYS ({record['policy_version']})"]
    assert set(record["rule_ids"]) <= set(plan.split())


# --- outcomes outside the public cases -------------------------------------------------------


def test_internal_error_pend_renders_without_lines_or_the_error_text() -> None:
    request = request_of("ITDD-TC-006")
    claim, context = request["claim"], request["context"]
    record = internal_error_record(
        claim, context["processing_date"], RuntimeError("secret detail"), context
    ).to_dict()
    for notice in (notice_text(record, request), unescape(notice_html(record, request))):
        assert "DECISION: PENDING" in notice.upper()
        assert "Nothing is needed from the member or the provider now." in _flat(notice)
        assert "secret detail" not in notice and "RuntimeError" not in notice
        assert "What we decided for each line".upper() not in notice.upper()
        assert "No rule of the policy decided this claim." in notice


def test_a_what_if_record_quotes_its_own_version() -> None:
    # policy-changes-1.1.0 §3.1: COD-02 reads "19, 21, 22 or 24" in 1.1.0.
    old = _flat(notice_text(*_pair("ITDD-TC-058")))
    new = _flat(notice_text(*_pair("ITDD-TC-058", "1.1.0")))
    assert "Place of service 19, 21 or 22 (hospital inpatient or outpatient)." in old
    assert "Place of service 19, 21, 22 or 24 (hospital inpatient" in new
    assert "WHAT THE PLAN SAYS (ITDD-1.1.0)" in new


def test_a_dose_review_names_the_threshold_of_the_version() -> None:
    # TC-064, 0.9 mg intrathecal baclofen: pends SAFE-01 above 0.8 mg in 1.0.0 (Appendix D).
    flat = _flat(notice_text(*_pair("ITDD-TC-064")))
    assert "The plan reviews more than 0.8 mg of baclofen, intrathecal, on one date" in flat
    assert "dose review by a pharmacist or medical director" in flat


def test_decision_reference_shown_and_decided_at_not() -> None:
    record, request = _pair(SEED)
    stamped = {**record, "decision_id": "0190a1b2-0000-7000-8000-000000000001"}
    stamped["decided_at"] = "2026-03-02T14:03:11Z"
    notice = notice_text(stamped, request)
    assert "Decision reference:     0190a1b2-0000-7000-8000-000000000001" in notice
    later = notice_text({**stamped, "decided_at": "2031-01-01T00:00:00Z"}, request)
    assert later == notice and "14:03" not in notice


# --- bad input -------------------------------------------------------------------------------


def test_input_is_escaped_in_html_and_neutralised_in_text() -> None:
    request = request_of(SEED)
    request["claim"]["member"]["member_id"] = '<script>alert("x")</script>&\nDECISION: APPROVED'
    record = decide_raw(request)  # a non-empty member id: VAL-02 passes
    document = notice_html(record, request)
    root = _tree(document)
    assert not root.find("script")
    assert '<script>alert("x")</script>&' in _html_fields(root)["Member ID"]
    text = notice_text(record, request)
    assert "\nDECISION: APPROVED" not in text
    assert '<script>alert("x")</script>&\\x0aDECISION: APPROVED' in text


def test_a_bad_claim_id_is_escaped_too() -> None:
    request = request_of("ITDD-TC-006")
    request["claim"]["claim_id"] = "<b>CLM</b>"
    record = decide_raw(request)
    assert record["rule_ids"] == ["ITDD-VAL-01"]
    root = _tree(notice_html(record, request))
    assert not root.find("b")
    assert root.find("title")[0].text().endswith(": <b>CLM</b>")


def test_another_request_is_refused() -> None:
    record, _ = _pair(SEED)
    _, other = _pair("ITDD-TC-002")
    with pytest.raises(NoticeError, match="input_digest"):
        notice_text(record, other)


def test_what_is_not_a_record_is_refused() -> None:
    record, request = _pair(SEED)
    with pytest.raises(NoticeError, match="not a decision record"):
        notice_html({"claim_id": "CLM-ITDD-0001"}, request)
    with pytest.raises(NoticeError, match="unknown ITDD policy version"):
        notice_text({**record, "policy_version": "ITDD-9.9.9"}, request)


def test_rendering_does_not_touch_its_input() -> None:
    record, request = _pair("ITDD-TC-023")
    before = copy.deepcopy((record, request))
    notice_text(record, request)
    notice_html(record, request)
    assert (record, request) == before


# --- the plan's words in the policy data -------------------------------------------------------


@pytest.mark.parametrize("policy", [V100, V110], ids=lambda p: p.version)
def test_every_rule_has_the_plans_words(policy: PolicyData) -> None:
    language = policy.plan_language
    assert set(language.rules) == ALL_RULE_IDS
    assert policy.documentation_request_days == 45
    assert "within 45 calendar days" in language.rules["ITDD-DOC-01"]
    assert set(language.indication_groups) == {
        *policy.diagnosis_groups.itdd_groups,
        policy.diagnosis_groups.scope_exclusion_group,
    }


def test_1_1_0_rewords_exactly_the_rules_its_notice_replaces() -> None:
    # policy-changes-1.1.0 §3.1 (COD-02), §3.2 (EI-03; DRUG-02 and DRUG-03 sentences), §3.4
    # (DRUG-06 units of J1170 and J7799); everything else "stays in force … as written".
    old, new = V100.plan_language, V110.plan_language
    changed = {r for r in old.rules if old.rules[r] != new.rules[r]}
    assert changed == {"ITDD-COD-02", "ITDD-EI-03", "ITDD-DRUG-02", "ITDD-DRUG-03", "ITDD-DRUG-06"}
    assert (old.criteria, old.indication_groups) == (new.criteria, new.indication_groups)
    assert (
        "hydromorphone (J1170) and compounded products billed as J7799" in new.rules["ITDD-EI-03"]
    )


def _data(version: str) -> dict[str, Any]:
    return copy.deepcopy(_read_json(f"itdd-{version}.json"))


def test_policy_data_without_a_rules_words_is_refused() -> None:
    data = _data("1.1.0")
    del data["plan_language"]["rules"]["ITDD-EI-02"]
    with pytest.raises(ValidationError, match=r"no text for \['ITDD-EI-02'\]"):
        PolicyData.model_validate(data)


def test_policy_data_whose_criteria_words_differ_from_the_criteria_is_refused() -> None:
    data = _data("1.0.0")
    data["plan_language"]["criteria"]["ITDD-MN-05"].pop("drug_hypersensitivity")
    with pytest.raises(ValidationError, match=r"exactly the §4\.1 criteria"):
        PolicyData.model_validate(data)


def test_policy_data_whose_days_differ_from_doc_01_is_refused() -> None:
    data = _data("1.0.0")
    data["documentation_request_days"] = 30
    with pytest.raises(ValidationError, match="documentation_request_days"):
        PolicyData.model_validate(data)
