"""Answering a survey by link (no login), and the organiser, DME and regional lead pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schemes import disclosure

from . import selectors, services
from .access import organisation_for_results, results_index_for, scheme_for_surveys
from .forms import (
    KeptQuestionForm,
    NewQuestionFormSet,
    ScheduleEntryAddForm,
    ScheduleEntryForm,
    SurveyAnswerForm,
    TemplateAdaptForm,
    templates_for,
)
from .models import Moment, SchemeSurveySchedule
from .tokens import SURVEY_LINK_MAX_AGE, SurveyLinkInvalid

# --- Answering ----------------------------------------------------------------------------------


# The link in the email only shows the questions; a scanner that fetches it answers nothing.
@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token):
    try:
        invitation = services.invitation_for_link(token)
    except SurveyLinkInvalid as error:
        return render(
            request,
            "surveys/link_failed.html",
            {"expired": error.expired, "valid_days": SURVEY_LINK_MAX_AGE.days},
            status=400,
        )
    if invitation.has_responded:
        return render(
            request,
            "surveys/already_answered.html",
            {"invitation": invitation},
            status=409 if request.method == "POST" else 200,
        )
    if not invitation.is_open():
        return render(request, "surveys/closed.html", {"invitation": invitation}, status=410)

    template = invitation.template
    form = SurveyAnswerForm(request.POST if request.method == "POST" else None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(invitation=invitation, answers=form.answers())
        except services.AlreadyAnswered:
            return render(
                request, "surveys/already_answered.html", {"invitation": invitation}, status=409
            )
        except services.SurveyClosed:
            return render(request, "surveys/closed.html", {"invitation": invitation}, status=410)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "surveys/thanks.html", {"invitation": invitation})
    return render(
        request,
        "surveys/answer.html",
        {"invitation": invitation, "template": template, "form": form},
        status=400 if form.is_bound else 200,
    )


# --- Organisers: schedule and templates ------------------------------------------------------

MOMENT_ORDER = [value for value, _ in Moment.choices]  # in the order a pair lives them


def _schedule_entries(scheme):
    entries = scheme.survey_schedule.select_related("template__scheme")
    return sorted(entries, key=lambda e: (e.audience != "mentee", MOMENT_ORDER.index(e.moment)))


def _templates(scheme):
    return sorted(
        templates_for(scheme),
        key=lambda t: (
            t.audience != "mentee",
            selectors.survey_order(t.key),
            t.key,
            t.scheme_id is not None,
            -t.version,
        ),
    )


@login_required
@require_GET
def scheme_surveys(request, slug):
    scheme = scheme_for_surveys(request.user, slug)
    services.schedule_ensure_default(scheme=scheme)
    entries = _schedule_entries(scheme)
    return render(
        request,
        "surveys/scheme_surveys.html",
        {
            "scheme": scheme,
            "entries": [
                (entry, ScheduleEntryForm(instance=entry, prefix=f"entry-{entry.pk}"))
                for entry in entries
            ],
            "add_form": ScheduleEntryAddForm(scheme=scheme, prefix="add"),
            "templates": _templates(scheme),
        },
    )


@login_required
@require_POST
def schedule_entry_update(request, slug, pk):
    scheme = scheme_for_surveys(request.user, slug)
    entry = get_object_or_404(SchemeSurveySchedule, pk=pk, scheme=scheme)
    form = ScheduleEntryForm(request.POST, instance=entry, prefix=f"entry-{entry.pk}")
    if form.is_valid():
        data = form.cleaned_data
        services.schedule_entry_update(
            entry=entry,
            template=data["template"],
            every_months=data.get("every_months", entry.every_months),
            year_end_month=data.get("year_end_month", entry.year_end_month),
            is_active=data["is_active"],
        )
        messages.success(request, f"Saved: {entry.get_audience_display()}, {_moment(entry)}.")
        return redirect("surveys:scheme", slug=scheme.slug)
    return _schedule_page_with_errors(request, scheme, failed=(entry.pk, form))


@login_required
@require_POST
def schedule_entry_add(request, slug):
    scheme = scheme_for_surveys(request.user, slug)
    form = ScheduleEntryAddForm(request.POST, scheme=scheme, prefix="add")
    if form.is_valid():
        data = form.cleaned_data
        entry = services.schedule_entry_add(
            scheme=scheme,
            moment=data["moment"],
            audience=data["audience"],
            template=data["template"],
        )
        messages.success(request, f"Added: {entry.get_audience_display()}, {_moment(entry)}.")
        return redirect("surveys:scheme", slug=scheme.slug)
    return _schedule_page_with_errors(request, scheme, add_form=form)


def _moment(entry):
    return entry.get_moment_display().split(" (")[0].lower()


def _schedule_page_with_errors(request, scheme, *, failed=None, add_form=None):
    entries = []
    for entry in _schedule_entries(scheme):
        if failed and failed[0] == entry.pk:
            entries.append((entry, failed[1]))
        else:
            entries.append((entry, ScheduleEntryForm(instance=entry, prefix=f"entry-{entry.pk}")))
    messages.error(request, "Nothing was saved: correct the entry marked below.")
    return render(
        request,
        "surveys/scheme_surveys.html",
        {
            "scheme": scheme,
            "entries": entries,
            "add_form": add_form or ScheduleEntryAddForm(scheme=scheme, prefix="add"),
            "templates": _templates(scheme),
        },
        status=400,
    )


@login_required
@require_GET
def template_detail(request, slug, pk):
    scheme = scheme_for_surveys(request.user, slug)
    template = get_object_or_404(templates_for(scheme), pk=pk)
    return render(
        request,
        "surveys/template_detail.html",
        {
            "scheme": scheme,
            "template": template,
            "questions": template.questions.all(),
            "preview_form": SurveyAnswerForm(template=template),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_adapt(request, slug, pk):
    """Copy a template and adapt it: always a new version, never an edit of the source."""
    scheme = scheme_for_surveys(request.user, slug)
    source = get_object_or_404(templates_for(scheme), pk=pk)
    questions = list(source.questions.all())
    data = request.POST or None
    form = TemplateAdaptForm(
        data,
        initial={
            "name": source.name,
            "introduction": source.introduction,
            "anonymous": source.anonymous,
            "use_in_schedule": True,
        },
    )
    kept_forms = [
        KeptQuestionForm(
            data,
            question=question,
            prefix=f"kept-{question.pk}",
            initial={"keep": True, "text": question.text, "choices": "\n".join(question.choices)},
        )
        for question in questions
    ]
    new_forms = NewQuestionFormSet(data, prefix="new")
    if request.method == "POST":
        # Validate every form (no short-circuit), so every mistake is marked at once.
        kept_valid = [kept.is_valid() for kept in kept_forms]
        if form.is_valid() & all(kept_valid) & new_forms.is_valid():
            new_questions = [f.as_question() for f in kept_forms] + [
                f.as_question() for f in new_forms if f.has_changed()
            ]
            try:
                template = services.survey_template_adapt(
                    source=source,
                    scheme=scheme,
                    created_by=request.user,
                    name=form.cleaned_data["name"],
                    introduction=form.cleaned_data["introduction"],
                    anonymous=form.cleaned_data["anonymous"],
                    questions=[question for question in new_questions if question],
                    use_in_schedule=form.cleaned_data["use_in_schedule"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Saved as {template.name}, {template.version_label()}. The version it was "
                    "adapted from is unchanged, and answers already given stay with it.",
                )
                return redirect("surveys:template-detail", slug=scheme.slug, pk=template.pk)
        messages.error(request, "Nothing was saved: correct what is marked below.")
    return render(
        request,
        "surveys/template_adapt.html",
        {
            "scheme": scheme,
            "source": source,
            "form": form,
            "kept_forms": kept_forms,
            "new_forms": new_forms,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Results ------------------------------------------------------------------------------------


@login_required
@require_GET
def results_index(request):
    visible = results_index_for(request.user)
    if visible is None:
        raise PermissionDenied("Survey results are for organisers, DMEs and regional leads.")
    return render(request, "surveys/results_index.html", visible)


@login_required
@require_GET
def scheme_results(request, slug):
    scheme = scheme_for_surveys(request.user, slug)
    results = _with_charts(selectors.scheme_results(scheme, include_free_text=True))
    return render(
        request,
        "surveys/results.html",
        {
            "scheme": scheme,
            "scope_name": scheme.name,
            "results": results,
            "shows_free_text": True,
            # The exports live in reports (which may read surveys; surveys does not read reports).
            "csv_url_name": "reports:scheme-survey-results-csv",
            "xlsx_url_name": "reports:scheme-survey-results-xlsx",
            "export_slug": scheme.slug,
            **_result_constants(),
        },
    )


@login_required
@require_GET
def organisation_results(request, slug):
    organisation = organisation_for_results(request.user, slug)
    return render(
        request,
        "surveys/results.html",
        {
            "organisation": organisation,
            "scope_name": organisation.name,
            "results": _with_charts(selectors.organisation_results(organisation)),
            "shows_free_text": False,
            "csv_url_name": "reports:organisation-survey-results-csv",
            "xlsx_url_name": "reports:organisation-survey-results-xlsx",
            "export_slug": organisation.slug,
            **_result_constants(),
        },
    )


def _with_charts(results):
    """Chart.js data for each survey, from the same suppressed figures the tables show.

    A suppressed figure is null: the chart leaves a gap, the table says why.
    """

    def value(score):
        return None if score.suppressed else round(score.value, 2)

    for survey in results.surveys:
        survey.domain_chart_id = f"chart-{survey.key}-domains"
        survey.trend_chart_id = f"chart-{survey.key}-trend"
        survey.domain_chart = {
            "type": "bar",
            "labels": [entry.label for entry in survey.domains],
            "datasets": [
                {"label": "Score (1–5)", "data": [value(entry.score) for entry in survey.domains]}
            ],
        }
        survey.trend_chart = {
            "type": "line",
            "labels": [quarter.label for quarter in survey.trend],
            "datasets": [
                {
                    "label": entry.label,
                    "data": [value(quarter.scores[index].score) for quarter in survey.trend],
                }
                for index, entry in enumerate(survey.domains)
            ],
        }
    shown = [item for item in results.changes if item.change is not None]
    results.change_chart = {
        "type": "bar",
        "labels": [item.text for item in shown],
        "datasets": [
            {"label": "Baseline", "data": [round(item.change.mean_baseline, 2) for item in shown]},
            {
                "label": "Follow-up",
                "data": [round(item.change.mean_follow_up, 2) for item in shown],
            },
        ],
    }
    return results


def _result_constants():
    return {
        "suppressed_text": selectors.suppressed_text(),
        "min_count": disclosure.min_count(),
        "baseline_moment": Moment.AT_MATCH,
    }
