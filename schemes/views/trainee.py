"""What a trainee does: find schemes open to them, join as mentee or mentor, leave."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import enrolment_for_owner, scheme_for
from ..eligibility import mentee_decision, mentor_decision
from ..forms import MenteeJoinForm, MentorJoinForm, WithdrawForm
from ..models import Enrolment
from ..selectors import schemes_for_trainee


@login_required
def scheme_list(request):
    return render(request, "schemes/scheme_list.html", {"rows": schemes_for_trainee(request.user)})


@login_required
def scheme_detail(request, slug):
    scheme = scheme_for(request.user, slug, need="view")
    return render(
        request,
        "schemes/scheme_detail.html",
        {
            "scheme": scheme,
            "mentee": mentee_decision(scheme, request.user),
            "mentor": mentor_decision(scheme, request.user),
            "window": scheme.open_intake_window(),
            "my_enrolments": Enrolment.objects.current().filter(scheme=scheme, user=request.user),
        },
    )


def _join(request, slug, *, role, form_class, decide, template):
    scheme = scheme_for(request.user, slug, need="view")
    decision = decide(scheme, request.user)
    if not decision:
        return render(
            request,
            "schemes/join_refused.html",
            {"scheme": scheme, "role": role, "reason": decision.reason},
            status=403,
        )
    form = form_class(request.POST or None, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        answers = {name: value for name, value in form.cleaned_data.items() if name != "consent"}
        try:
            enrolment = services.enrolment_create(
                scheme=scheme, user=request.user, role=role, **answers
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if enrolment.status == Enrolment.Status.REQUESTED:
                messages.success(
                    request,
                    f"Your request to join {scheme.name} is with the organisers. We will email "
                    "you when you have a place.",
                )
            else:
                messages.success(
                    request, f"You have joined {scheme.name} as a {role.label.lower()}."
                )
            return redirect("accounts:my-mentoring")
    return render(
        request,
        template,
        {"scheme": scheme, "form": form, "window": scheme.open_intake_window()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_as_mentee(request, slug):
    return _join(
        request,
        slug,
        role=Enrolment.Role.MENTEE,
        form_class=MenteeJoinForm,
        decide=mentee_decision,
        template="schemes/join_mentee.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_as_mentor(request, slug):
    return _join(
        request,
        slug,
        role=Enrolment.Role.MENTOR,
        form_class=MentorJoinForm,
        decide=mentor_decision,
        template="schemes/join_mentor.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_withdraw(request, pk):
    enrolment = enrolment_for_owner(request.user, pk)
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        messages.info(request, f"You have already left {enrolment.scheme.name}.")
        return redirect("accounts:my-mentoring")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.enrolment_withdraw(enrolment=enrolment, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            f"You have left {enrolment.scheme.name}. You are welcome back at any time.",
        )
        return redirect("accounts:my-mentoring")
    return render(request, "schemes/withdraw.html", {"enrolment": enrolment, "form": form})
