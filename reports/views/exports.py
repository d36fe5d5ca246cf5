"""Exports of a scheme's lists and of survey results, each under its page's access rule.

A scheme's enrolment list: its organisers. Survey results: a scheme's organisers, an
organisation's DME and regional lead (as the results pages). Every export is written to the
audit log: who, what and with which filters, never the content.
"""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from schemes.access import organisation_for, scheme_for
from surveys import selectors

from .. import exports, survey_exports


def _enrolments_export(request, slug, fmt):
    scheme = scheme_for(request.user, slug, need="organise")
    return exports.audited_export(
        request,
        what="Scheme enrolments",
        target=scheme.slug,
        filters={"scheme": scheme.name},
        tables=exports.enrolment_tables(scheme, show_referrals=True),  # organisers only here
        filename=f"enrolments-{scheme.slug}",
        fmt=exports.export_format(fmt),
    )


@login_required
@require_GET
def enrolments_csv(request, slug):
    return _enrolments_export(request, slug, "csv")


@login_required
@require_GET
def enrolments_xlsx(request, slug):
    return _enrolments_export(request, slug, "xlsx")


# --- The survey results' exports (reports/survey_exports.py builds the tables) ----------------


def _survey_export(request, *, what, target, filters, results, filename, fmt):
    notes = [
        ("Small numbers", survey_exports.suppression_note()),
        ("Survey answers", survey_exports.CONTENTS_NOTE),
    ]
    tables = survey_exports.survey_results_tables(results)
    about = exports.about_rows(what=what, filters=filters, user=request.user) + notes
    return exports.audited_export(
        request,
        what=what,
        target=target,
        filters=filters,
        fmt=fmt,
        filename=filename,
        tables=tables,
        about=about,
        csv_table=exports.Table(
            "Survey results", survey_exports.LONG_COLUMNS, survey_exports.long_rows(tables, about)
        ),
    )


def _scheme_survey_export(request, slug, fmt):
    scheme = scheme_for(request.user, slug, need="organise")
    return _survey_export(
        request,
        what="Scheme survey results",
        target=scheme.slug,
        filters={"scheme": scheme.name},
        results=selectors.scheme_results(scheme, include_free_text=False),
        filename=f"survey-results-{scheme.slug}",
        fmt=fmt,
    )


def _organisation_survey_export(request, slug, fmt):
    organisation = organisation_for(request.user, slug, need="results")
    return _survey_export(
        request,
        what="Organisation survey results",
        target=organisation.slug,
        filters={"organisation": organisation.name},
        results=selectors.organisation_results(organisation),
        filename=f"survey-results-{organisation.slug}",
        fmt=fmt,
    )


@login_required
@require_GET
def scheme_survey_results_csv(request, slug):
    return _scheme_survey_export(request, slug, "csv")


@login_required
@require_GET
def scheme_survey_results_xlsx(request, slug):
    return _scheme_survey_export(request, slug, "xlsx")


@login_required
@require_GET
def organisation_survey_results_csv(request, slug):
    return _organisation_survey_export(request, slug, "csv")


@login_required
@require_GET
def organisation_survey_results_xlsx(request, slug):
    return _organisation_survey_export(request, slug, "xlsx")
