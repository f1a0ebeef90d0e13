"""The inspector's summary and the force's press release, from the report's pillars.

The summary is spoken, in the first person, in the style of the inspectorate's own: an opening
judgement, then a paragraph per pillar opened by its grade, with concern and praise in
proportion (concerns first where the pillar was downgraded or has a cause of concern), what the
force has done since the inspection, and a figure only where it supports a finding, attributed
to its publisher. The forms of each kind of sentence are declared in ``wording.toml`` and used
in turn.

The press release carries the news: a headline with the grade change first, then the causes of
concern; the grades; each cause of concern in plain words with the figure behind it; what the
force has done since; the named inspector's quote, concern before praise where there is a
downgrade or a cause of concern; the responses; where to read the report; notes to editors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpeel.assess.history import NOT_GRADED
from openpeel.clock import UK
from openpeel.framework.model import Edition
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import narrative
from openpeel.publishing.narrative import Sentence

CONCERNS = ("cause_of_concern", "area_for_improvement")
PRAISE = ("strength", "innovative_practice", "promising_practice")


@dataclass
class Spoken:
    """The summary's paragraphs, and its sentences sorted for the press release's quote."""

    paragraphs: list[list[dict[str, str]]] = field(default_factory=list)
    opening: dict[str, str] | None = None
    #: each cause of concern or area for improvement, with its progress and figures
    concerns: list[list[dict[str, str]]] = field(default_factory=list)
    praise: list[dict[str, str]] = field(default_factory=list)
    #: pillars downgraded, or with a cause of concern
    serious: bool = False


def _publisher(indicator_id: str) -> str:
    from openpeel.sources import all_sources

    catalogue = load_catalogue()
    kinds = catalogue.measures[catalogue.indicator(indicator_id).measure].sources
    publisher = all_sources()[kinds[0]].publisher if kinds else "Published"
    return "Home Office" if publisher.startswith("Home Office") else publisher


def versus_england_and_wales(item: dict[str, Any]) -> str | None:
    """'above' or 'below' where the force's 95% interval excludes England and Wales."""
    lower, upper, ew = item.get("lower"), item.get("upper"), item.get("ew_value")
    if lower is None or upper is None or ew is None:
        return None
    if float(lower) > float(ew):
        return "above"
    if float(upper) < float(ew):
        return "below"
    return None


def supports(item: dict[str, Any], kind: str) -> bool:
    """Whether an indicator figure points the same way as a finding: worse than England and
    Wales for a concern, better for praise (only indicators with a polarity)."""
    side = versus_england_and_wales(item)
    polarity = item.get("polarity")
    if side is None or polarity not in ("higher_is_better", "higher_is_worse"):
        return False
    worse = (side == "above") == (polarity == "higher_is_worse")
    return worse if kind in CONCERNS else not worse


def _lower(title: str) -> str:
    return title if title[:2].isupper() else title[0].lower() + title[1:]


def figure_sentence(item: dict[str, Any], template: str) -> str:
    return template.format(
        publisher=_publisher(str(item["indicator_id"])),
        title=_lower(str(item["title"])),
        value=item["value_text"],
        period=item["period"],
        ew_value=item["ew_text"],
    )


def _figures(question: dict[str, Any] | None, kind: str, template: str) -> list[dict[str, str]]:
    if question is None:
        return []
    return [
        Sentence(figure_sentence(e, template), str(e["source"])).as_dict()
        for e in question["evidence"]
        if e["kind"] == "indicator" and not e.get("afterwards") and supports(e, kind)
    ]


def _progress(finding: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for rec in finding["recommendations"]:
        for u in rec["updates"]:  # already only those dated by the as-of date
            text = narrative.progress_sentence(u["status"], u["text"])
            if text:
                out.append(Sentence(text, f"recommendation_update:{u['id']}").as_dict())
    return out


class _Speaker:
    """Says findings in turn, each kind's forms used in rotation, and keeps what the press
    release's quote needs."""

    def __init__(self, out: Spoken) -> None:
        self.out = out
        self.turns: Counter[str] = Counter()
        self.figure = str(narrative.wording()["summary"]["figure"])
        self.acted = False
        self.any_concern = False

    def concerns(self, items: list[tuple[dict[str, Any], Any]]) -> list[dict[str, str]]:
        part = []
        for f, q in items:
            self.any_concern = True
            kind = str(f["kind"])
            text = narrative.finding_sentence(kind, f["text"], self.turns[kind])
            self.turns[kind] += 1
            group = [Sentence(text, f["source"]).as_dict()]
            group += _figures(q, kind, self.figure)
            progress = _progress(f)
            self.acted = self.acted or bool(progress)
            group += progress
            self.out.concerns.append(group)
            part += group
        return part

    def praise(
        self, items: list[tuple[dict[str, Any], Any]], after_concern: bool
    ) -> list[dict[str, str]]:
        part = []
        for i, (f, q) in enumerate(items):
            kind = str(f["kind"])
            if after_concern and i == 0 and kind == "strength":
                text = narrative.finding_sentence("strength_after_concern", f["text"])
            else:
                text = narrative.finding_sentence(kind, f["text"], self.turns[kind])
                self.turns[kind] += 1
            sentence = Sentence(text, f["source"]).as_dict()
            self.out.praise.append(sentence)
            part.append(sentence)
            part += _figures(q, kind, self.figure)
        return part


def spoken(pillars: list[dict[str, Any]], opening: str | None) -> Spoken:
    """The inspector's summary (``Spoken``)."""
    out = Spoken()
    speaker = _Speaker(out)
    if opening:
        out.opening = Sentence(opening, "grades:summary").as_dict()
        out.paragraphs.append([out.opening])
    for p in pillars:
        items = [(f, None) for f in p["findings"]] + [
            (f, q) for q in p["questions"] for group in q["findings"].values() for f in group
        ]
        concerns = [(f, q) for f, q in items if f["kind"] in CONCERNS]
        concerns.sort(key=lambda fq: CONCERNS.index(fq[0]["kind"]))
        praise = [(f, q) for f, q in items if f["kind"] in PRAISE]
        serious = p.get("change") == "downgraded" or any(
            f["kind"] == "cause_of_concern" for f, _ in concerns
        )
        out.serious = out.serious or serious
        said: list[dict[str, str]] = []
        if p["grade"] != NOT_GRADED and p.get("narrative"):
            said.append(Sentence(str(p["narrative"]), f"grade:pillar:{p['id']}").as_dict())
        if serious:
            said += speaker.concerns(concerns)
            said += speaker.praise(praise, after_concern=bool(concerns))
        else:
            said += speaker.praise(praise, after_concern=False)
            said += speaker.concerns(concerns)
        if said:
            out.paragraphs.append(said)
    if speaker.any_concern and speaker.acted:
        closing = str(narrative.wording()["summary"]["closing"])
        out.paragraphs.append([Sentence(closing, "grades:summary").as_dict()])
    return out


def release_line(release_at: str | None) -> str | None:
    """'Embargoed until 00:01 Thursday 2 March 2017' for a release time (ISO), or None."""
    return _release_line(release_at)


def _release_line(release_at: str | None) -> str | None:
    if release_at is None:
        return None
    words = narrative.wording()["press"]
    at = datetime.fromisoformat(release_at).astimezone(UK)
    time = f"{at:%H:%M} {at:%A} {at.day} {at:%B %Y}"
    return str(words["embargo"]).format(time=time)


def press_release(
    force: str,
    ed: Edition,
    pillars: list[dict[str, Any]],
    said: Spoken,
    responses: list[dict[str, Any]],
    *,
    address: str,
    inspectorate: str | None,
    inspector: str,
) -> dict[str, Any]:
    """The press release's context (see the module's note)."""
    words = narrative.wording()["press"]
    graded = [p for p in pillars if p["grade"] != NOT_GRADED]
    bullets = [
        Sentence(
            str(words["bullet"]).format(pillar=p["title"], grade_words=p["words"]),
            f"grade:pillar:{p['id']}",
        ).as_dict()
        for p in graded
    ]
    concerns = [
        (f, q)
        for p in pillars
        for f, q in [(f, None) for f in p["findings"]]
        + [(f, q) for q in p["questions"] for f in q["findings"]["cause_of_concern"]]
        if f["kind"] == "cause_of_concern"
    ]
    changed = [p for p in graded if p.get("change") == "downgraded"]
    changed += [p for p in graded if p.get("change") == "upgraded"]
    parts = []
    if changed:
        p = changed[0]
        parts.append(
            str(words["headline_change"]).format(
                force=force, pillar=p["title"].lower(), change=p["change"], grade=p["grade"]
            )
        )
    if concerns:
        clause = narrative.first_clause(concerns[0][0]["text"])
        parts.append(clause if not parts else clause[0].lower() + clause[1:])
    if not parts:
        grades = ", ".join(f"{p['title'].lower()} {p['grade']}" for p in graded)
        parts.append(str(words["headline_plain"]).format(force=force, grades=grades))
    title = str(words["headline_join"]).join(parts)

    concern_items = []
    for f, q in concerns:
        figures = []
        if q is not None:
            figures = [
                figure_sentence(e, str(words["concern_figure"]))
                for e in q["evidence"]
                if e["kind"] == "indicator"
                and not e.get("afterwards")
                and supports(e, "cause_of_concern")
            ]
        concern_items.append(
            {
                "text": f["text"],
                "source": f["source"],
                "figures": figures,
                "recommendations": [
                    str(words["recommendation"]).format(text=_first_lower(r["text"]))
                    for r in f["recommendations"]
                ],
                "progress": [s["text"] for s in _progress(f)],
            }
        )

    quote: list[dict[str, str]] = [said.opening] if said.opening else []
    praise = said.praise[: int(words["quote_praise"])]
    if said.serious:
        quote += [s for group in said.concerns for s in group] + praise
    else:
        quote += praise + [s for group in said.concerns for s in group]

    shown_responses = []
    for r in responses:
        if r["received_on"]:
            shown_responses.append(r)
        else:
            due = _day(r["due_on"]) if r["due_on"] else "56 days after publication"
            shown_responses.append(
                {**r, "text": str(words["no_response"]).format(respondent=r["respondent"], due=due)}
            )
    scale = ", ".join(g.title for g in ed.scale.grades)
    notes = [str(n).format(scale_size=len(ed.scale.grades), scale=scale) for n in words["notes"]]
    read = [{"text": str(words["read_report"]), "url": address}]
    if inspectorate:
        read.append({"text": str(words["read_inspectorate"]), "url": inspectorate})
    return {
        "title": title,
        # set when the release is scheduled (``openpeel.publishing.workflow.stamp_embargo``)
        "embargo": None,
        "standfirst": str(words["standfirst"]).format(edition=ed.title, force=force),
        "bullets": bullets,
        "concerns_intro": str(words["concerns_intro"]) if concern_items else None,
        "concerns": concern_items,
        "quote_intro": str(words["quote_intro"]).format(inspector=inspector),
        "quote": quote,
        "responses": shown_responses,
        "read": read,
        "address": address,
        "notes": notes,
    }


def _first_lower(text: str) -> str:
    body = " ".join(text.split())
    return body[0].lower() + body[1:] if body else body


def _day(iso: str) -> str:
    d = datetime.fromisoformat(iso)
    return f"{d.day} {d:%B %Y}"
