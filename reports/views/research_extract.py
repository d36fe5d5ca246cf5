"""The research extract of a region's schemes (reports/research_extract.py): regional leads, as
the provision report's exports."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from schemes.access import region_for

from .. import exports
from ..research_extract import research_extract_about, research_extract_tables


def _research_extract(request, slug, fmt):
    region = region_for(request.user, slug)
    return exports.audited_export(
        request,
        what="Research extract",
        target=region.slug,
        filters={"region": region.name},
        tables=research_extract_tables(region),
        about=research_extract_about(region=region, user=request.user),
        filename=f"research-extract-{region.slug}",
        fmt=exports.export_format(fmt),
    )


@login_required
@require_GET
def research_extract_csv(request, slug):
    return _research_extract(request, slug, "csv")


@login_required
@require_GET
def research_extract_xlsx(request, slug):
    return _research_extract(request, slug, "xlsx")
