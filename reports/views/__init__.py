"""The reports' pages, one module per report: provision (regional leads), dashboards (organisers,
DMEs), outcomes (DMEs) and exports (scheme lists, survey results). reports/urls.py routes them."""
