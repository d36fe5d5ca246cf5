"""CSV and XLSX exports of the scheme and organisation dashboards.

The export holds exactly the figures the page shows for the same query string (the page's export
links carry its filters), through the same access check, with the same suppression: referrals
only in groups of five or more, survey figures only from five responses. It is built from the
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

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from schemes.access import scheme_for

from . import exports
from .access import organisation_for, organisations_overseen_by
from .dashboards import GRADE_LABELS
from .views import _dashboard_context

# --- The allow-lists: one per sheet, and the CSV's ----------------------------------------------

FUNNEL_COLUMNS = (
    ("stage", "Stage"),
    ("trainees", "Trainees"),
    ("percent_of_eligible", "% of eligible"),
    ("uptake_band", "Uptake band"),
)
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
SUPPRESSION_NOTE = (
    "Referrals are shown only in groups of 5 or more; when they are not, the other routes are "
    '"not shown" either, so that the referrals cannot be worked out from the total. Survey '
    "figures are shown only from 5 responses."
)


# --- The tables ---------------------------------------------------------------------------------


def _number(value):
    """A Decimal as an int or a float, so that a spreadsheet reads it as a number."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _pairs(rows, label_key, value_key):
    return [{label_key: label, value_key: value} for label, value in rows]


def _funnel(funnel):
    def percent(count):
        return round(100 * count / funnel.eligible, 1) if funnel.eligible else None

    rows = [
        {"stage": label, "trainees": count, "percent_of_eligible": percent(count)}
        for label, count in funnel.rows()
    ]
    rows[0]["percent_of_eligible"] = None  # 100% of itself says nothing
    rows[1]["uptake_band"] = funnel.band
    return rows


def _days_to_match(days):
    return [
        {"measure": "Matched mentees", "value": days["n"]},
        {"measure": "Median days from enrolment to match", "value": days["median"]},
    ]


def _mentors(mentors):
    return [
        {"measure": "Active mentors", "value": mentors["active_mentors"]},
        {"measure": "Active mentors trained as the scheme requires", "value": mentors["trained"]},
        {"measure": "Trained %", "value": mentors["trained_percent"]},
        {"measure": "Supervision sessions held (12 months)", "value": mentors["sessions_held"]},
        {"measure": "Supervision places attended (12 months)", "value": mentors["attended"]},
        {"measure": "Supervision places recorded (12 months)", "value": mentors["recorded"]},
        {"measure": "Supervision attendance %", "value": mentors["attendance_percent"]},
    ]


def _surveys(surveys, suppressed_text):
    """Per survey: invited, responded and the rate (or only the words when fewer than five
    responded, as on the page), then each domain's mean score out of 5 (or the words)."""
    rows = []
    for survey in surveys:
        name = {"survey": survey["name"], "audience": survey["audience"]}
        if survey["rate_suppressed"]:
            rows.append({**name, "measure": "Response rate %", "value": suppressed_text})
        else:
            rows += [
                {**name, "measure": "Invited", "value": survey["invited"]},
                {**name, "measure": "Responded", "value": survey["responded"]},
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
        {"measure": "Mentees", "value": cost["mentees"]},
        {"measure": "Cost per mentee £", "value": _number(cost["per_mentee"])},
        {"measure": "Active pairs", "value": cost["active_pairs"]},
        {"measure": "Cost per active pair £", "value": _number(cost["per_active_pair"])},
    ]


def dashboard_tables(figures):
    """The dashboard's figures as export tables, one per sheet, in SHEETS order."""
    rows = {
        "Funnel": _funnel(figures["funnel"]),
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
                "pairs": row["pairs"],
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


# --- The views ----------------------------------------------------------------------------------


def _filters(scope, dashboard_filter):
    """The filters as (field name, readable value), after the dashboard's scope: only those the
    form accepted, exactly as the page applies them (an invalid value is ignored there too)."""
    filters = dict(scope)
    if not dashboard_filter.is_bound:
        return filters
    form = dashboard_filter.form
    cleaned = form.cleaned_data
    for name in form.fields:
        value = cleaned.get(name)
        if name == "organisation" or value in (None, ""):
            continue
        if name == "grade":
            value = GRADE_LABELS.get(value, value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        filters[name] = str(value)
    return filters


def _export(request, *, what, target, context, scope, filename, fmt):
    dashboard_filter = context["filter"]
    filters = _filters(scope, dashboard_filter)
    labels = {name: field.label for name, field in dashboard_filter.form.fields.items()}
    shown_filters = {labels.get(name, name.capitalize()): value for name, value in filters.items()}
    notes = [("Scheme-wide figures", SCHEME_WIDE_NOTE), ("Small numbers", SUPPRESSION_NOTE)]
    tables = dashboard_tables(context["figures"])
    about = exports.about_rows(what=what, filters=shown_filters, user=request.user) + notes
    return exports.audited_export(
        request,
        what=what,
        target=target,
        filters=filters,
        fmt=fmt,
        filename=filename,
        tables=tables,
        about=about,
        csv_table=exports.Table("Dashboard", LONG_COLUMNS, long_rows(tables, about)),
    )


def _scheme_export(request, slug, fmt):
    scheme = scheme_for(request.user, slug, need="organise")
    return _export(
        request,
        what="Scheme dashboard",
        target=scheme.slug,
        context=_dashboard_context(request, [scheme]),
        scope={"scheme": scheme.name},
        filename=f"dashboard-{scheme.slug}",
        fmt=fmt,
    )


def _organisation_export(request, slug, fmt):
    """The organisation in the address is the one exported: an `organisation` in the query
    string is overridden (the page redirects on it; an export link never carries another)."""
    organisation = organisation_for(request.user, slug)
    data = request.GET.copy()
    data["organisation"] = str(organisation.pk)
    context = _dashboard_context(
        request,
        organisation.schemes.order_by("name"),
        organisations=organisations_overseen_by(request.user),
        organisation=organisation,
        data=data,
    )
    chosen = context["filter"].form.cleaned_data.get("scheme")
    return _export(
        request,
        what="Organisation dashboard",
        target=organisation.slug,
        context=context,
        scope={
            "organisation": organisation.name,
            "scheme": chosen.name if chosen is not None else "All schemes",
        },
        filename=f"dashboard-{organisation.slug}",
        fmt=fmt,
    )


@login_required
@require_GET
def scheme_dashboard_csv(request, slug):
    return _scheme_export(request, slug, "csv")


@login_required
@require_GET
def scheme_dashboard_xlsx(request, slug):
    return _scheme_export(request, slug, "xlsx")


@login_required
@require_GET
def organisation_dashboard_csv(request, slug):
    return _organisation_export(request, slug, "csv")


@login_required
@require_GET
def organisation_dashboard_xlsx(request, slug):
    return _organisation_export(request, slug, "xlsx")
