"""CSV and XLSX exports of the scheme and organisation dashboards.

The export holds exactly the figures the page shows for the same query string (the page's export
links carry its filters), through the same access check, with the same disclosure control
(schemes/disclosure.py): a count of 1 to 4 reads "fewer than 5", secondary suppression hides
what would give it away ("not shown"), and a filtered view carries the sentence saying why the
routes in, pair health and surveys are not there instead of those figures. It is built from the
dashboard's figures (reports.dashboards.dashboard), never from rows about people, so it is
aggregate metadata by construction.

- XLSX: an "About" sheet (what, when, by whom, the filters, and what the filters do not change),
  then one sheet per dashboard table, each with the allow-listed columns below.
- CSV: one file in long form, one line per figure, with the columns of LONG_COLUMNS:
  `Table` (the XLSX sheet's name), `Category` (the row: a grade, a site, a quarter, a survey),
  `Measure` (what the number counts: "Mentees", "Per pair", "Response rate %") and `Value`. The
  About lines come first (Table "About"), so the file says which filters made it. A DME can
  filter the Table column, or pivot Category against Measure, to rebuild any table.

Every cell goes through reports.exports.neutralise (formula injection) and every export is
written to the audit log (who, which dashboard, which format, which filters).
"""

from decimal import Decimal

from schemes import disclosure

from . import exports

# --- The allow-lists: one per sheet, and the CSV's ----------------------------------------------

FUNNEL_COLUMNS = (
    ("stage", "Stage"),
    ("trainees", "Trainees"),
    ("percent_of_eligible", "% of eligible"),
    ("uptake_band", "Uptake band"),
    ("counted_from", "Counted from"),
)
SCHEME_COLUMNS = (("scheme", "Scheme"), ("mentees", "Mentees enrolled"))
GRADE_COLUMNS = (("grade", "Grade"), ("mentees", "Mentees"))
SPECIALTY_COLUMNS = (("specialty", "Specialty"), ("mentees", "Mentees"))
SITE_COLUMNS = (("site", "Site"), ("mentees", "Mentees"))
SOURCE_COLUMNS = (("source", "How they joined"), ("mentees", "Mentees"))
MONTH_COLUMNS = (("month", "Month"), ("mentees", "Mentees enrolled"))
MODEL_COLUMNS = (("enrolment_model", "Enrolment model"), ("schemes", "Schemes"))
MEASURE_COLUMNS = (("measure", "Measure"), ("value", "Value"))
MEETING_COLUMNS = (
    ("quarter", "Quarter"),
    ("meetings", "Meetings"),
    ("pairs", "Pairs"),
    ("per_pair", "Per pair"),
)
STATE_COLUMNS = (("state", "State"), ("pairs", "Pairs"))
SURVEY_COLUMNS = (
    ("survey", "Survey"),
    ("audience", "Audience"),
    ("measure", "Measure"),
    ("value", "Value"),
)
LONG_COLUMNS = (
    ("table", "Table"),
    ("category", "Category"),
    ("measure", "Measure"),
    ("value", "Value"),
)

# (sheet, columns, the keys naming a row, the key holding the measure's name or None): a table
# whose measure key is None has one figure per value column, named by the column's heading.
SHEETS = (
    ("Funnel", FUNNEL_COLUMNS, ("stage",), None),
    ("By scheme", SCHEME_COLUMNS, ("scheme",), None),
    ("By grade", GRADE_COLUMNS, ("grade",), None),
    ("By specialty", SPECIALTY_COLUMNS, ("specialty",), None),
    ("By site", SITE_COLUMNS, ("site",), None),
    ("By source", SOURCE_COLUMNS, ("source",), None),
    ("By month", MONTH_COLUMNS, ("month",), None),
    ("Opt-in and opt-out", MODEL_COLUMNS, ("enrolment_model",), None),
    ("Days to match", MEASURE_COLUMNS, (), "measure"),
    ("Meetings per pair", MEETING_COLUMNS, ("quarter",), None),
    ("Pairs by state", STATE_COLUMNS, ("state",), None),
    ("Mentor training", MEASURE_COLUMNS, (), "measure"),
    ("Surveys", SURVEY_COLUMNS, ("survey", "audience"), "measure"),
    ("Cost", MEASURE_COLUMNS, (), "measure"),
)

SCHEME_WIDE_NOTE = (
    "Mentor training, supervision, surveys and cost describe whole schemes: the grade, "
    "specialty, site and date filters do not change them."
)
FILTERED_LABEL = "Not shown in a filtered view"


def suppression_note():
    threshold = disclosure.min_count()
    return (
        f'A count of 1 to {threshold - 1} people reads "fewer than {threshold}"; the '
        "next-smallest groups are hidden with it so that it cannot be worked out from the total "
        f'("not shown" when one of them is {threshold} or more). Percentages, means and costs '
        f"per head are shown only for groups of {threshold} or more. {disclosure.SENSITIVE_NOTE}"
    )


# --- The tables ---------------------------------------------------------------------------------


def _number(value):
    """A Decimal as an int or a float, so that a spreadsheet reads it as a number; a shown
    count as its cell (the int, or the words)."""
    if isinstance(value, disclosure.Shown):
        return value.cell()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pairs(rows, label_key, value_key):
    """(label, count) rows as table rows; None (a sensitive table in a filtered view) as the
    one row that says why it is not there."""
    if rows is None:
        return [{label_key: FILTERED_LABEL, value_key: disclosure.SENSITIVE_NOTE}]
    return [{label_key: label, value_key: _number(value)} for label, value in rows]


def _funnel(funnel):
    def percent(shown):
        if shown.suppressed or not disclosure.enough(funnel.eligible):
            return None
        return round(100 * shown.value / funnel.eligible, 1)

    rows = [
        {"stage": label, "trainees": shown.cell(), "percent_of_eligible": percent(shown)}
        for label, shown in funnel.rows()
    ]
    rows[0]["percent_of_eligible"] = None  # 100% of itself says nothing
    rows[1]["uptake_band"] = funnel.band
    rows[0]["counted_from"] = funnel.counted_from  # the trust's trainee list, or accounts
    return rows


def _by_scheme(rows):
    """An organisation's part of each scheme serving it; a scheme's own dashboard has no such
    table (an empty sheet), and a filtered view says why it is not there."""
    if rows is None:
        return []
    return _pairs(rows, "scheme", "mentees")


def _days_to_match(days):
    return [
        {"measure": "Matched mentees", "value": _number(days["n"])},
        {"measure": "Median days from enrolment to match", "value": days["median"]},
    ]


def _mentors(mentors):
    rows = [
        ("Active mentors", "active_mentors"),
        ("Active mentors trained as the scheme requires", "trained"),
        ("Trained %", "trained_percent"),
        ("Supervision sessions held (12 months)", "sessions_held"),
        ("Supervision places attended (12 months)", "attended"),
        ("Supervision places recorded (12 months)", "recorded"),
        ("Supervision attendance %", "attendance_percent"),
    ]
    return [{"measure": label, "value": _number(mentors[key])} for label, key in rows]


def _surveys(surveys, suppressed_text):
    """Per survey: invited, responded and the rate (or only the words when fewer than five
    responded, as on the page), then each domain's mean score out of 5 (or the words)."""
    if surveys is None:
        return [{"survey": FILTERED_LABEL, "measure": "", "value": disclosure.SENSITIVE_NOTE}]
    rows = []
    for survey in surveys:
        name = {"survey": survey["name"], "audience": survey["audience"]}
        if survey["rate_suppressed"]:
            rows.append({**name, "measure": "Response rate %", "value": suppressed_text})
        else:
            rows += [
                {**name, "measure": "Invited", "value": _number(survey["invited"])},
                {**name, "measure": "Responded", "value": _number(survey["responded"])},
                {**name, "measure": "Response rate %", "value": survey["rate"]},
            ]
        for domain in survey["domains"]:
            rows.append(
                {
                    **name,
                    "measure": f"{domain['label']} (mean score out of 5)",
                    "value": suppressed_text if domain["suppressed"] else domain["value"],
                }
            )
    return rows


def _cost(cost):
    return [
        {"measure": "Admin hourly rate £", "value": _number(cost["rate"])},
        {"measure": "Cost a year £ (admin hours and budget)", "value": _number(cost["total"])},
        {"measure": "Mentees", "value": _number(cost["mentees"])},
        {"measure": "Cost per mentee £", "value": _number(cost["per_mentee"])},
        {"measure": "Active pairs", "value": _number(cost["active_pairs"])},
        {"measure": "Cost per active pair £", "value": _number(cost["per_active_pair"])},
    ]


def dashboard_tables(figures):
    """The dashboard's figures as export tables, one per sheet, in SHEETS order."""
    rows = {
        "Funnel": _funnel(figures["funnel"]),
        "By scheme": _by_scheme(figures.get("by_scheme")),
        "By grade": _pairs(figures["by_grade"], "grade", "mentees"),
        "By specialty": _pairs(figures["by_specialty"], "specialty", "mentees"),
        "By site": _pairs(figures["by_site"], "site", "mentees"),
        "By source": _pairs(figures["by_source"], "source", "mentees"),
        "By month": _pairs(figures["by_month"], "month", "mentees"),
        "Opt-in and opt-out": _pairs(figures["enrolment_models"], "enrolment_model", "schemes"),
        "Days to match": _days_to_match(figures["days_to_match"]),
        "Meetings per pair": [
            {
                "quarter": row["label"],
                "meetings": row["meetings"],
                "pairs": _number(row["pairs"]),
                "per_pair": row["per_pair"],
            }
            for row in figures["meetings_per_pair"]
        ],
        "Pairs by state": _pairs(figures["pairs_by_state"], "state", "pairs"),
        "Mentor training": _mentors(figures["mentors"]),
        "Surveys": _surveys(figures["surveys"], figures["survey_suppressed_text"]),
        "Cost": _cost(figures["cost"]),
    }
    return [exports.Table(title, columns, rows[title]) for title, columns, _, _ in SHEETS]


def long_rows(tables, about):
    """The CSV's lines, one figure each: the About lines, then every table's figures."""
    for label, value in about:
        yield {"table": "About", "category": label, "value": value}
    shapes = {title: (label_keys, measure_key) for title, _, label_keys, measure_key in SHEETS}
    for table in tables:
        label_keys, measure_key = shapes[table.title]
        for row in table.rows:
            category = " – ".join(str(row[key]) for key in label_keys if row.get(key))
            if measure_key is not None:
                yield {
                    "table": table.title,
                    "category": category,
                    "measure": row[measure_key],
                    "value": row.get("value"),
                }
                continue
            for key, heading in table.columns:
                if key in label_keys or row.get(key) is None:
                    continue
                yield {
                    "table": table.title,
                    "category": category,
                    "measure": heading,
                    "value": row[key],
                }
