"""CSV and XLSX exports of the reports: metadata only, through documented allow-lists.

Each export's columns are a constant below (key, heading). A writer takes only those keys from a
row, so a value that is not on the allow-list cannot reach a file; a test holds each constant to
its expected columns, so widening an export means changing that test too.

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) is prefixed with a single quote, in CSV and XLSX alike (OWASP's advice on CSV
injection). Numbers are written as numbers.

CSV is streamed: a generator yields one line at a time from a queryset iterator, so memory stays
flat however many rows. A CSV holds one table (the report's main one); the XLSX holds every table,
one sheet each, and an "About" sheet saying what was exported, with which filters, when and by
whom.
"""

import csv
import io
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from accounts.audit import audit_record
from meetings.selectors import enrolment_export_values
from schemes.disclosure import Shown
from schemes.selectors import report_vocabulary, scheme_enrolments

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- The allow-lists --------------------------------------------------------------------------

PROVISION_COLUMNS = (
    ("trust", "Trust"),
    ("scheme", "Scheme"),
    ("peer_only", "Peer-only"),
    ("mentees", "Mentees"),
    ("mentors", "Mentors"),
    ("enrolment_model", "Opt-in/out"),
    ("recruitment", "Recruitment"),
    ("eligible", "Eligible trainees"),
    ("enrolled", "Enrolled mentees"),
    ("uptake_percent", "Uptake %"),
    ("uptake_band", "Uptake band"),
    ("counted_from", "Eligible trainees counted from"),
    ("meeting_interval", "Meets every"),
    ("mentor_training", "Mentor training"),
    ("mentor_support", "Mentor support"),
    ("run_by", "Run by"),
    ("admin_hours_per_month", "Admin hours a month"),
    ("budget_pounds_per_year", "Budget £ a year"),
    ("collects_outcome_data", "Outcome data"),
    ("scheme_interest", "Interest in a scheme (trusts without one)"),
    ("reported_difficulties", "Difficulties reported"),
)
# Each scheme's declared way of running beside what happened in the last 12 months
# (reports.provision's "activity"): counts, means and hours as the page shows them.
ACTIVITY_COLUMNS = (
    ("trust", "Trust"),
    ("scheme", "Scheme"),
    ("since", "Counted from"),
    ("declared_interval", "Meetings declared"),
    ("declared_per_quarter", "Meetings a quarter declared"),
    ("pairs", "Pairs"),
    ("meetings", "Meetings held"),
    ("meetings_per_pair_quarter", "Meetings per pair per quarter"),
    ("pairs_judged", "Pairs paired long enough to judge"),
    ("pairs_met_as_declared", "Pairs that met as declared"),
    ("pairs_met_share", "Share that met as declared"),
    ("support_declared", "Supervision declared"),
    ("one_to_one_sessions", "1:1 sessions held"),
    ("group_sessions", "Group sessions held"),
    ("mentors", "Mentors"),
    ("mentors_attending", "Mentors attending supervision"),
    ("mentors_attending_share", "Share attending supervision"),
    ("training_declared", "Training declared"),
    ("active_mentors", "Active mentors"),
    ("mentors_trained", "Active mentors with the declared training"),
    ("mentors_trained_share", "Share with the declared training"),
    ("mentees_meeting", "Mentees who met"),
    ("mentee_hours", "Mentees' hours in meetings"),
    ("hours_per_mentee", "Hours in meetings per mentee"),
    ("mentors_meeting", "Mentors who met"),
    ("mentor_meeting_hours", "Mentors' hours in meetings"),
    ("meeting_hours_per_mentor", "Hours in meetings per mentor who met"),
    ("mentor_supervision_hours", "Mentors' hours in supervision"),
    ("supervision_hours_per_mentor", "Hours in supervision per mentor who attended"),
)
FIGURE_COLUMNS = (("figure", "Figure"), ("category", "Category"), ("schemes", "Schemes"))
OUTCOME_COLUMNS = (
    ("group", "Group"),
    ("trainees", "Trainees"),
    ("satisfactory_arcp_percent", "Satisfactory ARCP % (outcomes 1 and 6)"),
    ("exam_results", "Exam results"),
    ("exam_pass_percent", "Exam pass %"),
)
# The organiser's named list of their own scheme (never a DME's): who is enrolled and where their
# pairing stands. Names and contact details, never a word of what a pair wrote.
ENROLMENT_COLUMNS = (
    ("name", "Name"),
    ("email", "Email"),
    ("grade", "Grade"),
    ("specialty", "Specialty"),
    ("site", "Site"),
    ("role", "Role"),
    ("status", "Status"),
    ("source", "Source"),
    ("enrolled_on", "Enrolled"),
    ("withdrawn_on", "Withdrawn"),
    ("pair_status", "Pair"),
    ("meetings", "Meetings"),
)


@dataclass
class Table:
    title: str  # the sheet's name in the XLSX (31 characters at most)
    columns: tuple  # an allow-list above
    rows: object  # an iterable of dicts; only the allow-listed keys are read


def export_format(fmt):
    """ "csv" or "xlsx"; anything else is a mistake in a view."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(fmt)
    return fmt


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text that could run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_STARTS):
        return "'" + text
    return text


def _cells(table, row):
    return [neutralise(row.get(key)) for key, _heading in table.columns]


class _Echo:
    def write(self, value):
        return value


def csv_response(table, filename):
    """A streamed CSV of one table: the header row, then one line per row as it is read."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte order mark, so Excel reads the file as UTF-8
        yield writer.writerow([neutralise(heading) for _key, heading in table.columns])
        for row in table.rows:
            yield writer.writerow(_cells(table, row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(tables, filename, *, about):
    """An XLSX with one sheet per table and an "About" sheet of `about` (label, value) pairs."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("About")
    for label, value in about:
        sheet.append([neutralise(label), neutralise(value)])
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append([neutralise(heading) for _key, heading in table.columns])
        for row in table.rows:
            sheet.append(_cells(table, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def about_rows(*, what, filters, user):
    now = timezone.localtime()
    rows = [("Export", what), ("Exported at", f"{now:%d %B %Y %H:%M %Z}")]
    rows.append(("Exported by", user.email))
    rows += [(f"Filter: {name}", value) for name, value in filters.items()]
    rows.append(
        (
            "Contents",
            "Metadata and aggregate figures only: no meeting content, goals, notes, referral "
            "reasons or named survey answers.",
        )
    )
    return rows


def audited_export(
    request, *, what, target, filters, fmt, filename, tables, about=None, csv_table=None
):
    """Record the export in the audit log (who, what, filters, when), then answer with the file.

    CSV: `csv_table`, or else the first of `tables`; XLSX: every table, after an About sheet of
    `about` (by default who, when and the filters). `filename` gets today's date.
    """
    audit_record(
        actor=request.user,
        action="report_export",
        target=target,
        details={"export": what, "format": fmt, "filters": filters},
        request=request,
    )
    filename = f"{filename}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return csv_response(csv_table or tables[0], filename)
    if about is None:
        about = about_rows(what=what, filters=filters, user=request.user)
    return xlsx_response(tables, filename, about=about)


# --- The tables -------------------------------------------------------------------------------


def _scheme_interest(organisation):
    """e.g. "Interested (recorded 2026-12-05): the DME is looking for a lead"."""
    text = organisation.get_scheme_interest_display()
    if organisation.scheme_interest_recorded_on:
        text += f" (recorded {organisation.scheme_interest_recorded_on:%Y-%m-%d})"
    if organisation.scheme_interest_note:
        text += f": {organisation.scheme_interest_note}"
    return text


def provision_tables(report):
    def rows():
        for row in report["rows"]:
            organisation = row.organisation
            if not row.schemes:
                yield {
                    "trust": organisation.short_name or organisation.name,
                    "scheme": "No scheme",
                    "reported_difficulties": organisation.reported_difficulties,
                    "scheme_interest": _scheme_interest(organisation),
                }
            for item in row.schemes:
                scheme = item["scheme"]
                yield {
                    "trust": organisation.short_name or organisation.name,
                    "scheme": item["label"],
                    "peer_only": scheme.is_peer_only,
                    "mentees": scheme.mentee_eligibility_summary(),
                    "mentors": scheme.mentor_pool_summary(),
                    "enrolment_model": scheme.get_enrolment_model_display(),
                    "recruitment": item["recruitment"],
                    "eligible": item["eligible"].cell(),
                    "enrolled": item["enrolled"].cell(),
                    "uptake_percent": item["percent"],
                    "uptake_band": item["band"],
                    "counted_from": row.counted_from,
                    "meeting_interval": (
                        f"{scheme.meeting_interval_min_weeks}–"
                        f"{scheme.meeting_interval_max_weeks} weeks"
                    ),
                    "mentor_training": scheme.get_mentor_training_required_display(),
                    "mentor_support": ", ".join(scheme.mentor_support_labels()),
                    "run_by": scheme.get_run_by_display(),
                    "admin_hours_per_month": scheme.admin_hours_per_month,
                    "budget_pounds_per_year": (
                        int(scheme.budget_pounds_per_year)
                        if scheme.budget_pounds_per_year is not None
                        else None
                    ),
                    "collects_outcome_data": scheme.collects_outcome_data,
                    "reported_difficulties": organisation.reported_difficulties,
                }

    titles = {"mentors": "Who are the mentors", "uptake": "Uptake", "training": "Mentor training"}
    figures = [
        {"figure": titles[name], "category": label, "schemes": count}
        for name in ("mentors", "uptake", "training")
        for label, count in report["figures"][name]
    ]
    return [
        Table("Provision by trust", PROVISION_COLUMNS, rows()),
        Table("Figures", FIGURE_COLUMNS, figures),
        Table("Observed against declared", ACTIVITY_COLUMNS, _activity_rows(report["activity"])),
    ]


def _activity_rows(activity):
    """The page's figures: a suppressed count reads as disclosure's words (`Shown.cell`), a
    figure held back as "not shown", a share as the page writes it."""
    for item in activity:
        row = {key: _cell(value) for key, value in item.items()}
        row["scheme"] = item["label"]
        row["since"] = f"{item['since']:%Y-%m-%d}"
        yield row


def _cell(value):
    return value.cell() if isinstance(value, Shown) else value


def _percent_cell(percent, text):
    return percent if percent is not None else text


def outcome_tables(comparison):
    """The outcomes report's figures as the page shows them (reports.outcomes.disclose)."""
    rows = [
        {
            "group": group.label,
            "trainees": group.people_shown.cell(),
            "satisfactory_arcp_percent": _percent_cell(
                group.satisfactory_percent, group.satisfactory_text
            ),
            "exam_results": group.exam_results_shown.cell(),
            "exam_pass_percent": _percent_cell(group.exam_pass_percent, group.exam_pass_text),
        }
        for group in comparison["groups"]
    ]
    return [Table(f"Outcomes {comparison['period']}".replace("/", "-"), OUTCOME_COLUMNS, rows)]


def enrolment_rows(scheme, *, show_referrals):
    """One dict per enrolment of `scheme`, from a queryset iterator: metadata only.

    `show_referrals`: the source "referral" is shown only to organisers; anyone else sees "".
    """
    return _enrolment_dicts(
        _enrolment_values(scheme_enrolments(scheme)), show_referrals=show_referrals
    )


def _enrolment_values(enrolments):
    """The export's columns of `enrolments` as one SELECT in primary-key order (bench/reports.py
    runs the same SELECT through PostgreSQL's COPY to compare)."""
    return enrolment_export_values(enrolments)


def _pair_status(matched, ever_paired):
    if matched:
        return "current"
    return "ended" if ever_paired else "none"


def _enrolment_dicts(queryset, *, show_referrals):
    vocabulary = report_vocabulary()
    roles = vocabulary["role_labels"]
    statuses = {value: value for value in vocabulary["statuses"]}
    for (
        first_name,
        last_name,
        email,
        role,
        status,
        source,
        grade,
        specialty,
        site,
        user_site,
        created,
        status_changed,
        matched,
        ever_paired,
        count,
    ) in queryset.iterator(chunk_size=2000):
        if source == vocabulary["referral"] and not show_referrals:
            source = ""
        withdrawn = status == vocabulary["withdrawn"]
        yield {
            "name": f"{first_name} {last_name}".strip(),
            "email": email,
            "role": roles.get(role, role).lower(),
            "status": statuses.get(status, status),
            "source": source,
            "grade": grade,
            "specialty": specialty,
            "site": site or user_site,
            "enrolled_on": f"{timezone.localtime(created):%d/%m/%Y}",
            "withdrawn_on": f"{timezone.localtime(status_changed):%d/%m/%Y}" if withdrawn else "",
            "pair_status": _pair_status(matched, ever_paired),
            "meetings": count or 0,
        }


def enrolment_tables(scheme, *, show_referrals):
    rows = enrolment_rows(scheme, show_referrals=show_referrals)
    return [Table("Enrolments", ENROLMENT_COLUMNS, rows)]
