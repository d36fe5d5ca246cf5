"""CSV and XLSX exports of the survey results, for a scheme (its organisers) and for an
organisation (its DME and the regional lead), through the same access checks as the results
pages (surveys.access).

The figures are the results page's, from the same selectors (surveys.selectors) and under the same
small-numbers rule (schemes.disclosure): a group of fewer than five responses has no mean, score,
share or change, only a note saying so, and a count of people that is suppressed is written as the
words the page shows ("fewer than 5", or "not shown"), never as a number. Free
text is never exported, not even to the organisers who may read it on the page: a file travels
further than a page. The scheme's results are read with include_free_text=False, so the answers
are never even loaded, and no column could carry them.

- XLSX: an "About" sheet (what, when, by whom, the scope, the small-numbers rule), then one sheet
  per table below, each with its allow-listed columns.
- CSV: one file in long form, one line per figure, with the columns of LONG_COLUMNS: `Table` (the
  XLSX sheet's name), `Survey`, `Item` (the question, domain or audience), `Detail` (the answer, or
  the quarter, or the method of comparison), `Measure` (the column's heading in the sheet) and
  `Value`. The About lines come first (Table "About"). A suppressed group's line is its "Note",
  never a number.

Every cell goes through reports.exports.neutralise (organisers adapt question texts, so a question
may start with "=" or "@"), and every export is written to the audit log (who, which results, which
format, which scope).
"""

from schemes import disclosure
from surveys import selectors

from . import exports

# --- The allow-lists: one per sheet, and the CSV's ----------------------------------------------

RATE_COLUMNS = (
    ("survey", "Survey"),
    ("audience", "Sent to"),
    ("invited", "Invited"),
    ("responded", "Answered"),
    ("response_rate_percent", "Response rate %"),
    ("note", "Note"),
)
QUESTION_COLUMNS = (
    ("survey", "Survey"),
    ("question", "Question"),
    ("answer", "Answer"),
    ("responses", "Responses"),
    ("mean", "Mean (1–5)"),
    ("people", "People"),
    ("percent", "Share %"),
    ("note", "Note"),
)
DOMAIN_COLUMNS = (
    ("survey", "Survey"),
    ("domain", "Domain"),
    ("responses", "Responses"),
    ("score", "Score (mean of 1–5)"),
    ("note", "Note"),
)
TREND_COLUMNS = (
    ("survey", "Survey"),
    ("domain", "Domain"),
    ("quarter", "Quarter"),
    ("responses", "Responses"),
    ("score", "Score (mean of 1–5)"),
    ("note", "Note"),
)
CHANGE_COLUMNS = (
    ("question", "Question"),
    ("method", "Compared"),
    ("baseline_responses", "Baseline responses"),
    ("baseline_mean", "Baseline mean"),
    ("follow_up_responses", "Follow-up responses"),
    ("follow_up_mean", "Follow-up mean"),
    ("change", "Change"),
    ("interval_low", "95% interval from"),
    ("interval_high", "95% interval to"),
    ("note", "Note"),
)
LONG_COLUMNS = (
    ("table", "Table"),
    ("survey", "Survey"),
    ("item", "Item"),
    ("detail", "Detail"),
    ("measure", "Measure"),
    ("value", "Value"),
)

# (sheet, columns, the key naming the item, the key naming the detail or None): in the CSV, every
# other column but the survey's is a measure of its own.
SHEETS = (
    ("Response rates", RATE_COLUMNS, "audience", None),
    ("Questions", QUESTION_COLUMNS, "question", "answer"),
    ("Domain scores", DOMAIN_COLUMNS, "domain", None),
    ("Trend by quarter", TREND_COLUMNS, "domain", "quarter"),
    ("Change from baseline", CHANGE_COLUMNS, "question", "method"),
)

FREE_TEXT_NOTE = "free text is not exported"


def suppression_note():
    threshold = disclosure.min_count()
    return (
        f"Scores, shares and changes are given only for groups of {threshold} or more "
        f"responses; a smaller group has no number, only the note “{selectors.suppressed_text()}”. "
        f"A count of 1 to {threshold - 1} people reads “{disclosure.fewer_than()}”, and so may "
        "a count beside it (“not shown” when it may be larger), so that no count can be worked "
        "out from a total and the others."
    )


CONTENTS_NOTE = (
    "Aggregate figures only: no free-text answers and no one's answers by name. Scores are on "
    "the 1–5 scale."
)


# --- The tables ---------------------------------------------------------------------------------


def _round(value):
    return None if value is None else round(value, 2)


def _rates(results):
    for survey in results.surveys:
        rate = survey.response_rate
        yield {
            "survey": survey.name,
            "audience": survey.audience_label,
            "invited": survey.invited_shown.cell(),
            "responded": survey.responded_shown.cell(),
            "response_rate_percent": rate,
            "note": "response rate not shown" if rate is None and survey.invited else "",
        }


def _questions(results):
    """Per question: a "mean" line for a 1–5 question, then one line per answer offered; a
    suppressed or free-text question has one line, its note."""
    hidden = selectors.suppressed_text()
    for survey in results.surveys:
        for question in survey.questions:
            row = {"survey": survey.name, "question": question.text}
            if question.suppressed or question.is_free_text:
                yield {**row, "note": hidden if question.suppressed else FREE_TEXT_NOTE}
                continue
            if question.mean is not None:
                yield {
                    **row,
                    "answer": "mean",
                    "responses": question.n,
                    "mean": _round(question.mean),
                }
            for option in question.options:
                yield {
                    **row,
                    "answer": option.label,
                    "responses": question.n,
                    "people": option.people.cell(),
                    "percent": option.percent,
                }


def _score(score):
    if score.suppressed:
        return {"note": selectors.suppressed_text()}
    return {"responses": score.n, "score": _round(score.value)}


def _domains(results):
    for survey in results.surveys:
        for entry in survey.domains:
            yield {"survey": survey.name, "domain": entry.label, **_score(entry.score)}


def _trend(results):
    for survey in results.surveys:
        for quarter in survey.trend:
            for entry in quarter.scores:
                # The quarters' responses add up to the domain's: they are suppressed as a group
                # (surveys.selectors._trend), and a quarter's score with its count.
                yield {
                    "survey": survey.name,
                    "domain": entry.label,
                    "quarter": quarter.label,
                    **(_score(entry.score) if not entry.note else {"note": entry.note}),
                }


def _changes(results):
    for item in results.changes:
        row = {
            "question": item.text,
            "method": "person by person" if item.method == "paired" else "group means",
        }
        change = item.change
        if change is None:
            yield {**row, "note": selectors.suppressed_text()}
            continue
        yield {
            **row,
            "baseline_responses": item.n_baseline,
            "baseline_mean": _round(change.mean_baseline),
            "follow_up_responses": item.n_follow_up,
            "follow_up_mean": _round(change.mean_follow_up),
            "change": _round(change.difference),
            "interval_low": _round(change.low),
            "interval_high": _round(change.high),
        }


def survey_results_tables(results):
    """The results (surveys.selectors.Results, read without free text) as export tables, one per
    sheet, in SHEETS order."""
    rows = {
        "Response rates": list(_rates(results)),
        "Questions": list(_questions(results)),
        "Domain scores": list(_domains(results)),
        "Trend by quarter": list(_trend(results)),
        "Change from baseline": list(_changes(results)),
    }
    return [exports.Table(title, columns, rows[title]) for title, columns, _, _ in SHEETS]


def long_rows(tables, about):
    """The CSV's lines, one figure each: the About lines, then every table's figures. A row with
    no figure (a suppressed group, a free-text question) has one line, its note."""
    for label, value in about:
        yield {"table": "About", "item": label, "value": value}
    shapes = {title: (item_key, detail_key) for title, _, item_key, detail_key in SHEETS}
    for table in tables:
        item_key, detail_key = shapes[table.title]
        for row in table.rows:
            line = {
                "table": table.title,
                "survey": row.get("survey"),
                "item": row.get(item_key),
                "detail": row.get(detail_key) if detail_key else None,
            }
            for key, heading in table.columns:
                if key in ("survey", item_key, detail_key) or row.get(key) in (None, ""):
                    continue
                yield {**line, "measure": heading, "value": row[key]}
