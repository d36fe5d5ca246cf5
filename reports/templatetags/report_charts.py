from django import template

register = template.Library()


@register.inclusion_tag("reports/_bar_chart.html")
def bar_chart(chart_id, title, rows, value_label="Schemes", label_heading="", horizontal=False):
    """A Chart.js bar chart with the same numbers in an accessible table beneath it."""
    rows = list(rows)
    values = [getattr(value, "plotted", value) for _, value in rows]
    return {
        "plotted": any(isinstance(value, int | float) and value for value in values),
        "chart_id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "rows": rows,
        "value_label": value_label,
        "label_heading": label_heading,
        "chart_data": {
            "labels": [str(label) for label, _ in rows],
            # A suppressed count (schemes.disclosure.Shown) is not plotted: the table says why.
            "values": values,
            "label": value_label,
            "horizontal": horizontal,
        },
    }
