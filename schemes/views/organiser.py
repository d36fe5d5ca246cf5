"""What organisers (and DMEs, regional leads) do: configure schemes, appoint people, manage
enrolments and referrals. Organisers see metadata about people, never mentoring content."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import audit_record
from accounts.redirects import safe_next

from .. import disclosure, services
from ..access import (
    can_refer,
    is_dme_of,
    is_organiser,
    organisation_for,
    scheme_for,
    schemes_visible_to_staff,
)
from ..filters import EnrolmentFilter
from ..forms import (
    AppointForm,
    EnrolmentAddForm,
    HandoverForm,
    IntakeWindowFormSet,
    PersonByEmailForm,
    ReferralForm,
    RotationWindowsForm,
    SchemeCreateForm,
    SchemeForm,
    SchemeInterestForm,
)
from ..handover import sections_for
from ..models import Enrolment, Organisation, OrganisationRole, Referral, SchemeRole
from ..rotations import next_rotation_windows, windows_to_create
from ..selectors import scheme_counts, scheme_staff


def _organisations_for_new_schemes(user):
    return Organisation.objects.filter(roles__user=user, roles__role=OrganisationRole.Role.DME)


@login_required
def manage(request):
    schemes = scheme_counts(schemes_visible_to_staff(request.user))
    can_create = _organisations_for_new_schemes(request.user).exists()
    if not schemes and not can_create:
        raise PermissionDenied("This page is for scheme organisers, DMEs and regional leads.")
    rows = [_manage_row(request.user, scheme) for scheme in schemes]
    return render(request, "schemes/manage.html", {"rows": rows, "can_create": can_create})


def _manage_row(user, scheme):
    organises = is_organiser(user, scheme)
    counts = (scheme.mentee_count, scheme.mentor_count, scheme.request_count)
    return {
        "scheme": scheme,
        "organises": organises,
        # The organisers work with these people by name; a DME or regional lead overseeing the
        # scheme reads the same numbers through the disclosure rules, as on every report.
        "counts": counts if organises else [disclosure.count(n) for n in counts],
        # A DME refers from here: it is the page their header's "Run schemes" opens.
        "refers": scheme.accepts_referrals and can_refer(user, scheme),
        # ...and appoints an organiser here when the last one has gone.
        "appoints": not scheme.has_organiser and is_dme_of(user, scheme.organisation),
    }


@login_required
@require_http_methods(["GET", "POST"])
def scheme_create(request):
    organisations = _organisations_for_new_schemes(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only a trust's DME can create its schemes.")
    form = SchemeCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        scheme = services.scheme_create(
            organisation=data.pop("organisation"),
            name=data.pop("name"),
            slug=data.pop("slug"),
            created_by=request.user,
            **data,
        )
        messages.success(
            request,
            f"{scheme.name} is created and you are its organiser. Add intake windows and "
            "co-organisers next.",
        )
        return redirect("schemes:edit", slug=scheme.slug)
    return render(request, "schemes/scheme_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = SchemeForm(request.POST or None, instance=scheme)
    windows = IntakeWindowFormSet(request.POST or None, instance=scheme, prefix="windows")
    if request.method == "POST" and form.is_valid() and windows.is_valid():
        with transaction.atomic():
            scheme = form.save()
            windows.save()
        messages.success(request, "The scheme's settings are saved.")
        return redirect("schemes:edit", slug=scheme.slug)
    return render(
        request, "schemes/scheme_form.html", {"form": form, "windows": windows, "scheme": scheme}
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_windows_from_rotations(request, slug):
    """Preview the coming rotations' intake windows (GET), then create them (POST)."""
    scheme = scheme_for(request.user, slug, need="organise")
    data = request.POST if request.method == "POST" else request.GET
    form = RotationWindowsForm(data if "count" in data else None)
    count = form.cleaned_data["count"] if form.is_valid() else 2
    proposed = next_rotation_windows(timezone.localdate(), count)
    if request.method == "POST" and form.is_valid():
        created = services.intake_windows_create_from_rotations(
            scheme=scheme, proposed=proposed, created_by=request.user
        )
        if created:
            labels = ", ".join(window.label for window in created)
            messages.success(request, f"Intake windows added: {labels}.")
        else:
            messages.info(request, "No window added: the scheme already has those rotations.")
        return redirect("schemes:edit", slug=scheme.slug)
    new, skipped = windows_to_create(
        proposed, scheme.intake_windows.values_list("opens_on", "closes_on")
    )
    return render(
        request,
        "schemes/rotation_windows.html",
        {"scheme": scheme, "form": form, "new": new, "skipped": skipped, "count": count},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_people(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = AppointForm(request.POST or None, scheme=scheme, submit_label="Appoint")
    if request.method == "POST" and "remove" in request.POST:
        if not request.POST["remove"].isdigit():
            raise Http404("No such appointment.")
        role_to_remove = get_object_or_404(SchemeRole, pk=request.POST["remove"], scheme=scheme)
        try:
            services.scheme_role_remove(
                scheme=scheme,
                user=role_to_remove.user,
                role=role_to_remove.role,
                removed_by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{role_to_remove.user} is no longer {role_to_remove.get_role_display().lower()}.",
            )
        return redirect("schemes:people", slug=scheme.slug)
    if request.method == "POST" and form.is_valid():
        _, created = services.scheme_role_appoint(
            scheme=scheme, user=form.user, role=form.cleaned_data["role"], appointed_by=request.user
        )
        label = dict(form.fields["role"].choices)[form.cleaned_data["role"]].lower()
        if created:
            messages.success(request, f"{form.user} is now a {label} of {scheme.name}.")
        else:
            messages.info(request, f"{form.user} was already a {label}.")
        return redirect("schemes:people", slug=scheme.slug)
    return render(
        request,
        "schemes/people.html",
        {"scheme": scheme, "form": form, "staff": scheme_staff(scheme)},
    )


@login_required
def enrolment_list(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    queryset = (
        Enrolment.objects.filter(scheme=scheme)
        .select_related("user")
        .order_by("status", "-created_at")
    )
    enrolment_filter = EnrolmentFilter(request.GET or None, queryset=queryset)
    page = Paginator(enrolment_filter.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "schemes/enrolment_list.html",
        {
            "scheme": scheme,
            "filter": enrolment_filter,
            "page": page,
            "query": query.urlencode(),
            "add_form": EnrolmentAddForm(
                scheme=scheme, submit_label="Add to the scheme", prefix="add"
            ),
            "can_refer": scheme.accepts_referrals,
        },
    )


@login_required
@require_POST
def enrolment_add(request, slug):
    scheme = scheme_for(request.user, slug, need="organise")
    form = EnrolmentAddForm(
        request.POST, scheme=scheme, submit_label="Add to the scheme", prefix="add"
    )
    if form.is_valid():
        role = Enrolment.Role(form.cleaned_data["role"])
        answers = {"capacity": form.cleaned_data["capacity"] or 1} if role == "mentor" else {}
        try:
            services.enrolment_create(
                scheme=scheme,
                user=form.user,
                role=role,
                source=Enrolment.Source.ORGANISER,
                status=Enrolment.Status.ACTIVE,
                **answers,
            )
        except ValidationError as error:
            messages.error(request, f"{form.user} could not be added: {' '.join(error.messages)}")
        else:
            messages.success(request, f"{form.user} is enrolled as a {role.label.lower()}.")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("schemes:enrolments", slug=scheme.slug)


@login_required
@require_POST
def enrolment_change_status(request, slug, pk, action):
    scheme = scheme_for(request.user, slug, need="organise")
    enrolment = get_object_or_404(Enrolment, pk=pk, scheme=scheme)
    try:
        services.enrolment_change_status(enrolment=enrolment, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{enrolment.user}: now {enrolment.get_status_display().lower()}."
        )
    return redirect(safe_next(request, "schemes:enrolments", slug=scheme.slug))


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request, slug):
    scheme = scheme_for(request.user, slug, need="refer")
    if not scheme.accepts_referrals:
        # Refused before anyone types a confidential reason, and a POST saves nothing.
        return render(request, "schemes/referral_refused.html", {"scheme": scheme}, status=403)
    form = ReferralForm(request.POST or None, scheme=scheme, submit_label="Refer confidentially")
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                scheme=scheme,
                user=form.user,
                reason=form.cleaned_data["reason"],
                referred_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{form.user} is referred and has been emailed. Their mentor will not be told.",
            )
            if is_organiser(request.user, scheme):
                return redirect("schemes:referral-detail", pk=referral.pk)
            return redirect("schemes:manage")
    return render(request, "schemes/referral_form.html", {"scheme": scheme, "form": form})


@login_required
def referral_detail(request, pk):
    """The reason is for the scheme's organisers and the referred trainee only."""
    referral = get_object_or_404(
        Referral.objects.select_related("enrolment__scheme__organisation", "enrolment__user"),
        pk=pk,
    )
    scheme = referral.enrolment.scheme
    is_trainee = referral.enrolment.user_id == request.user.pk
    if not (is_trainee or is_organiser(request.user, scheme)):
        # Nobody else learns that a referral exists, DMEs included: they see counts in reports.
        raise Http404("No such referral.")
    if not is_trainee:
        audit_record(
            actor=request.user,
            action="referral_reason_viewed",
            target=f"referral:{referral.pk}",
            request=request,
        )
    return render(
        request,
        "schemes/referral_detail.html",
        {"referral": referral, "scheme": scheme, "is_trainee": is_trainee},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_handover(request, slug):
    """What the next organiser needs (metadata only), and stepping down with a successor."""
    scheme = scheme_for(request.user, slug, need="organise")
    form = HandoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_handover(
                scheme=scheme,
                organiser=request.user,
                successor=form.user,
                tell_dme=form.cleaned_data["tell_dme"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.user is not None:
                done = f"{form.user} is now an organiser of {scheme.name} and has been emailed."
            else:
                done = f"You are no longer an organiser of {scheme.name}."
            messages.success(request, f"{done} Thank you for running the scheme.")
            return redirect("accounts:my-mentoring")
    return render(
        request,
        "schemes/handover.html",
        {
            "scheme": scheme,
            "form": form,
            "sections": sections_for(scheme),
            "organisers": [
                role.user
                for role in scheme_staff(scheme)
                if role.role == SchemeRole.Role.ORGANISER and role.user_id != request.user.pk
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organiser_appoint(request, slug):
    """The trust's DME appoints an organiser, e.g. of a scheme whose last one stepped down."""
    scheme = scheme_for(request.user, slug, need="appoint")
    form = PersonByEmailForm(request.POST or None, scheme=scheme, submit_label="Appoint organiser")
    if request.method == "POST" and form.is_valid():
        try:
            services.organiser_appoint(scheme=scheme, user=form.user, appointed_by=request.user)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request, f"{form.user} is an organiser of {scheme.name} and has been emailed."
            )
            return redirect("schemes:organiser-appoint", slug=scheme.slug)
    organisers = [
        role.user for role in scheme_staff(scheme) if role.role == SchemeRole.Role.ORGANISER
    ]
    return render(
        request,
        "schemes/organiser_appoint.html",
        {"scheme": scheme, "form": form, "organisers": organisers},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_scheme_interest(request, slug):
    """The trust's DME, or the region's lead, records whether a trust would like a scheme."""
    organisation = organisation_for(request.user, slug, need="oversee")
    # A form bound to a copy, so a refused answer is never shown as the trust's.
    form = SchemeInterestForm(
        request.POST if request.method == "POST" else None,
        instance=Organisation.objects.get(pk=organisation.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.organisation_scheme_interest_record(
                organisation=organisation,
                interest=form.cleaned_data["scheme_interest"],
                note=form.cleaned_data["scheme_interest_note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, f"{organisation.name}: interest recorded.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("schemes:scheme-interest", slug=organisation.slug)
    return render(
        request,
        "schemes/scheme_interest.html",
        {
            "organisation": organisation,
            "form": form,
            "has_scheme": organisation.schemes.exists(),
        },
    )
