"""Evaluation across schemes: the regional lead's page for a region, the DME's for a trust."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from schemes.access import organisation_for, region_for
from schemes.selectors import organisation_schemes, region_organisations, region_schemes

from ..adjusted import MIN_SCHEMES
from ..evaluation import evaluate


def _page(request, *, scope, scope_name, schemes, trust_ids, back_url, research_extract=False):
    evaluation = evaluate(schemes, trust_ids, period=request.GET.get("period"))
    return render(
        request,
        "reports/evaluation.html",
        {
            "scope": scope,
            "scope_name": scope_name,
            "evaluation": evaluation,
            "back_url": back_url,
            "min_schemes": MIN_SCHEMES,
            "research_extract": research_extract,
        },
    )


@login_required
@require_GET
def region_evaluation(request, slug):
    region = region_for(request.user, slug)
    return _page(
        request,
        scope=region,
        scope_name=region.name,
        schemes=region_schemes(region),
        trust_ids=[organisation.pk for organisation in region_organisations(region)],
        back_url=("reports:provision", region.slug, "the regional provision report"),
        research_extract=True,
    )


@login_required
@require_GET
def trust_evaluation(request, slug):
    organisation = organisation_for(request.user, slug, need="outcomes")
    return _page(
        request,
        scope=organisation,
        scope_name=organisation.name,
        schemes=list(organisation_schemes(organisation)),
        trust_ids=[organisation.pk],
        back_url=("reports:outcomes", organisation.slug, "the outcomes report"),
    )
