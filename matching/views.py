"""Matching pages: organisers run rounds; mentees choose mentors; mentors answer requests.

Organisers see who is proposed with whom and why (profile answers used for matching), never
anything from inside a pair, and never a referral's reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schemes.access import scheme_for
from schemes.models import Enrolment

from . import selectors, services
from .access import mentee_for_organiser, own_enrolment, request_to_mentor, round_for
from .filters import ProposalFilter
from .forms import HandPairingForm, MatchingSettingsForm, MentorRankingForm, SwapForm
from .models import MatchingSettings, MatchRound, MentorChoice

# --- Organisers ------------------------------------------------------------------------------


@login_required
@require_GET
def scheme_matching(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    return render(
        request,
        "matching/scheme_matching.html",
        {
            "scheme": scheme,
            "overview": selectors.pool_overview(scheme),
            "open_round": selectors.open_round(scheme),
            "rounds": MatchRound.objects.filter(scheme=scheme).select_related("started_by")[:20],
            "waiting": selectors.waiting_list(scheme),
            "settings": MatchingSettings.for_scheme(scheme),
            "sync_limit": services.SYNC_ROUND_LIMIT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def matching_settings(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = MatchingSettingsForm(request.POST or None, instance=MatchingSettings.for_scheme(scheme))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The matching settings are saved; the next round uses them.")
        return redirect("matching:scheme", slug=scheme.slug)
    return render(request, "matching/settings.html", {"scheme": scheme, "form": form})


@login_required
@require_POST
def round_start(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    try:
        match_round = services.match_round_start(scheme=scheme, started_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:scheme", slug=scheme.slug)
    _say_how_it_went(request, match_round)
    return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)


def _say_how_it_went(request, match_round):
    if match_round.status == MatchRound.Status.PROPOSED:
        summary = match_round.summary
        messages.success(
            request,
            f"Solved: {summary['matched']} of {summary['mentees']} mentees have a proposed "
            "mentor. Check the proposals, change what you need, then approve.",
        )
    elif match_round.status == MatchRound.Status.FAILED:
        messages.error(request, "The round could not be solved; see the error below.")


@login_required
@require_GET
def round_detail(request, slug, pk):
    scheme, match_round = round_for(request.user, slug, pk)
    proposal_filter = ProposalFilter(
        request.GET or None, queryset=selectors.round_proposals(match_round)
    )
    page = Paginator(proposal_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    is_proposed = match_round.status == MatchRound.Status.PROPOSED
    swap = _swap_choices_shown(request, match_round) if is_proposed else None
    return render(
        request,
        "matching/round_detail.html",
        {
            "scheme": scheme,
            "round": match_round,
            "summary": match_round.summary,
            "filter": proposal_filter,
            "page": page,
            "query": query.urlencode(),
            "is_proposed": is_proposed,
            "reasons": selectors.round_unmatched_reasons(match_round),
            "forbidden": selectors.round_forbidden_pairs(match_round),
            "load": selectors.round_mentor_load(match_round) if match_round.summary else [],
            "swap": swap,
            "swap_form": SwapForm(choices=swap) if swap and swap.allowed else None,
            "removed_reason": services.REMOVED_REASON,
        },
    )


def _swap_choices_shown(request, match_round):
    """The swap choices of the pair the organiser picked (?swap=mentee id), else the first."""
    chosen = _as_id(request.GET.get("swap"))
    if chosen is None:
        first = selectors.proposal_pairs_for_swap(match_round).first()
        chosen = first.mentee_enrolment_id if first else None
    return selectors.swap_choices(match_round, chosen) if chosen else None


def _as_id(value):
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@login_required
@require_GET
def round_progress(request, slug, pk):
    scheme, match_round = round_for(request.user, slug, pk)
    return JsonResponse(
        {
            "status": match_round.status,
            "progress": match_round.progress,
            "note": match_round.progress_note,
            "done": match_round.status != MatchRound.Status.RUNNING,
        }
    )


ROUND_CHANGES = {
    # action: (service call, message)
    "pin": (lambda r, m: services.match_round_pin(match_round=r, mentee_enrolment_id=m), "pinned"),
    "unpin": (
        lambda r, m: services.match_round_pin(match_round=r, mentee_enrolment_id=m, pin=False),
        "unpinned",
    ),
    "remove": (
        lambda r, m: services.match_round_remove(match_round=r, mentee_enrolment_id=m),
        "left out of this round",
    ),
    "restore": (
        lambda r, m: services.match_round_remove(
            match_round=r, mentee_enrolment_id=m, remove=False
        ),
        "back in this round",
    ),
}


def _after_change(request, scheme, match_round, done):
    match_round.refresh_from_db()
    if match_round.status == MatchRound.Status.PROPOSED:
        messages.success(request, f"{done} The round is re-solved.")
    elif match_round.status == MatchRound.Status.RUNNING:
        messages.info(request, f"{done} The round is being re-solved.")
    else:
        _say_how_it_went(request, match_round)
    return redirect(
        reverse("matching:round-detail", args=[scheme.slug, match_round.pk])
        + _return_query(request)
    )


def _return_query(request):
    query = request.POST.get("return_query", "")
    return f"?{query}" if query and "\n" not in query else ""


@login_required
@require_POST
def round_change(request, slug, pk, mentee_id, action):
    scheme, match_round = round_for(request.user, slug, pk)
    proposal = match_round.proposals.filter(mentee_enrolment_id=mentee_id).first()
    if proposal is None or action not in (*ROUND_CHANGES, "forbid"):
        raise Http404("No such mentee in this round.")
    name = proposal.mentee_enrolment.user
    try:
        if action == "forbid":
            if proposal.mentor_enrolment_id is None:
                raise ValidationError(f"{name} has no proposed mentor to forbid.")
            services.match_round_forbid(
                match_round=match_round,
                mentee_enrolment_id=mentee_id,
                mentor_enrolment_id=proposal.mentor_enrolment_id,
            )
            done = f"{proposal.mentor_enrolment.user} will not be proposed for {name}."
        else:
            change, words = ROUND_CHANGES[action]
            change(match_round, mentee_id)
            done = f"{name} is {words}."
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)
    return _after_change(request, scheme, match_round, done)


@login_required
@require_POST
def round_allow(request, slug, pk, mentee_id, mentor_id):
    scheme, match_round = round_for(request.user, slug, pk)
    if [mentee_id, mentor_id] not in match_round.forbidden:
        raise Http404("That pair is not forbidden in this round.")
    try:
        services.match_round_forbid(
            match_round=match_round,
            mentee_enrolment_id=mentee_id,
            mentor_enrolment_id=mentor_id,
            forbid=False,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)
    return _after_change(request, scheme, match_round, "The pair is allowed again.")


@login_required
@require_POST
def round_swap(request, slug, pk):
    scheme, match_round = round_for(request.user, slug, pk)
    first_id = _as_id(request.POST.get("first"))
    choices = selectors.swap_choices(match_round, first_id) if first_id else None
    if choices is None:
        messages.error(
            request,
            "That pair is no longer proposed: reload the page."
            if first_id
            else "Choose the two pairs whose mentors you want to swap.",
        )
        return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)
    form = SwapForm(request.POST, choices=choices)
    back_to_swap = (
        reverse("matching:round-detail", args=[scheme.slug, match_round.pk])
        + f"?swap={first_id}#swap"
    )
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back_to_swap)
    try:
        services.match_round_swap(
            match_round=match_round,
            first_mentee_id=form.cleaned_data["first"],
            second_mentee_id=form.cleaned_data["second"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back_to_swap)
    return _after_change(
        request, scheme, match_round, "The two mentors are swapped, and both pairs pinned."
    )


@login_required
@require_POST
def round_approve(request, slug, pk):
    """The first press shows what approving will do and asks again; only the second approves,
    and only if the round still proposes the number of pairs the organiser was shown."""
    scheme, match_round = round_for(request.user, slug, pk)
    pairs_to_create = selectors.proposal_counts(match_round)["matched"]
    if request.POST.get("confirmed_pairs") != str(pairs_to_create):
        if "confirmed_pairs" in request.POST:
            messages.error(
                request, "The round changed since you were asked: check the numbers again."
            )
        return render(
            request,
            "matching/round_approve_confirm.html",
            {"scheme": scheme, "round": match_round, "pairs": pairs_to_create},
        )
    try:
        pairs = services.match_round_approve(match_round=match_round, approved_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Approved: {len(pairs)} pair{'s' if len(pairs) != 1 else ''} created. Each member "
            "is being emailed an introduction to the other.",
        )
    return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)


@login_required
@require_POST
def round_discard(request, slug, pk):
    scheme, match_round = round_for(request.user, slug, pk)
    try:
        services.match_round_discard(match_round=match_round)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:round-detail", slug=scheme.slug, pk=match_round.pk)
    messages.success(request, "The round is discarded; nobody was matched or emailed.")
    return redirect("matching:scheme", slug=scheme.slug)


# --- Pairing by hand --------------------------------------------------------------------------


@login_required
@require_GET
def pair_by_hand(request, slug, mentee_id):
    scheme, mentee = mentee_for_organiser(request.user, slug, mentee_id)
    current_pair = selectors.current_pair_of(mentee)
    return render(
        request,
        "matching/pair_by_hand.html",
        {
            "scheme": scheme,
            "mentee": mentee,
            "current_pair": current_pair,
            "options": [] if current_pair else selectors.hand_pairing_options(scheme, mentee),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pair_by_hand_confirm(request, slug, mentee_id, mentor_id):
    scheme, mentee = mentee_for_organiser(request.user, slug, mentee_id)
    option = selectors.hand_pairing_option(scheme, mentee, mentor_id)
    if option is None:
        raise Http404("No such mentor in this scheme.")
    # An empty POST (no reason typed) must still be a bound form, so it can say what is missing.
    data = request.POST if request.method == "POST" else None
    form = HandPairingForm(data, option=option)
    if request.method == "POST" and not option.never_allowed and form.is_valid():
        try:
            pair = services.pair_create_by_hand(
                scheme=scheme,
                mentee_enrolment=mentee,
                mentor_enrolment=option.mentor_enrolment,
                created_by=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
                capacity_reason=form.cleaned_data.get("capacity_reason", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{pair.mentee_label} is paired with {pair.mentor_label}. Each is being emailed "
                "an introduction to the other.",
            )
            return redirect("meetings:organiser-pairs", slug=scheme.slug)
    return render(
        request,
        "matching/pair_by_hand_confirm.html",
        {
            "scheme": scheme,
            "mentee": mentee,
            "option": option,
            "form": form,
            "current_pair": selectors.current_pair_of(mentee),
            "back": request.GET.get("from") == "round",
        },
    )


# --- Mentees and mentors ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suggestions(request, pk):
    enrolment = own_enrolment(request.user, pk, Enrolment.Role.MENTEE)
    settings = MatchingSettings.for_scheme(enrolment.scheme)
    if not settings.mentee_choice_enabled:
        messages.info(
            request,
            "In this scheme the organisers match mentees with mentors; they will email you when "
            "you have a mentor.",
        )
        return redirect("accounts:my-mentoring")
    open_choices = list(
        MentorChoice.objects.open()
        .filter(mentee_enrolment=enrolment)
        .select_related("mentor_enrolment__user")
        .order_by("rank")
    )
    has_mentor = enrolment.pairs_as_mentee.current().exists()
    suggested = (
        selectors.mentor_suggestions(enrolment)
        if not open_choices and not has_mentor and enrolment.status == Enrolment.Status.ACTIVE
        else []
    )
    # An empty POST (nobody chosen) must still be a bound form, so it can say what to do.
    data = request.POST if request.method == "POST" else None
    form = MentorRankingForm(data, suggestions=suggested)
    if request.method == "POST" and suggested and form.is_valid():
        try:
            services.mentor_choices_set(
                mentee_enrolment=enrolment,
                mentor_enrolment_ids=form.cleaned_data["mentor_enrolment_ids"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("matching:suggestions", pk=enrolment.pk)
        messages.success(
            request,
            f"We have asked your first choice. They have {settings.choice_response_days} days to "
            "answer; we will email you.",
        )
        return redirect("accounts:my-mentoring")
    if request.method == "POST" and not suggested:
        messages.error(request, "There is nothing to choose just now: see below.")
        return redirect("matching:suggestions", pk=enrolment.pk)
    for choice in open_choices:
        choice.due_at = choice.answer_due_at(settings.choice_response_days)
    return render(
        request,
        "matching/suggestions.html",
        {
            "enrolment": enrolment,
            "scheme": enrolment.scheme,
            "settings": settings,
            "form": form,
            "open_choices": open_choices,
            "has_mentor": has_mentor,
        },
    )


@login_required
@require_POST
def choices_withdraw(request, pk):
    enrolment = own_enrolment(request.user, pk, Enrolment.Role.MENTEE)
    withdrawn = services.mentor_choices_withdraw(mentee_enrolment=enrolment)
    if withdrawn:
        messages.success(request, "Your requests are withdrawn. You can choose again.")
    else:
        messages.info(request, "You had no open requests.")
    return redirect("matching:suggestions", pk=enrolment.pk)


@login_required
@require_POST
def request_answer(request, pk, answer):
    choice = request_to_mentor(request.user, pk)
    if answer not in ("accept", "decline"):
        raise Http404("Answer accept or decline.")
    mentee = choice.mentee_enrolment.user
    try:
        if answer == "accept":
            services.mentor_choice_accept(choice=choice)
        else:
            services.mentor_choice_decline(choice=choice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if answer == "accept":
            messages.success(
                request, f"You are now {mentee}'s mentor. We have emailed you both an introduction."
            )
        else:
            messages.success(
                request,
                f"Declined. {mentee} will be offered their next choice; no reason is given.",
            )
    return redirect("accounts:my-mentoring")


@login_required
@require_POST
def availability(request, pk):
    enrolment = own_enrolment(request.user, pk, Enrolment.Role.MENTOR)
    available = request.POST.get("available") == "1"
    services.mentor_availability_set(enrolment=enrolment, available=available)
    if available:
        messages.success(request, f"You can be matched with new mentees in {enrolment.scheme}.")
    else:
        messages.success(
            request,
            f"You will not be suggested or matched with new mentees in {enrolment.scheme} until "
            "you say so. Your current mentees are not affected.",
        )
    return redirect("accounts:my-mentoring")
