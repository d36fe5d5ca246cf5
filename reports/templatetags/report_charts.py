from django import template

register = template.Library()


@register.inclusion_tag("reports/_bar_chart.html")
def bar_chart(chart_id, title, rows, value_label="Schemes", label_heading="", horizontal=False):
    """A Chart.js bar chart with the same numbers in an accessible table beneath it."""
    rows = list(rows)
    return {
        "chart_id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "rows": rows,
        "value_label": value_label,
        "label_heading": label_heading,
        "chart_data": {
            "labels": [str(label) for label, _ in rows],
            "values": [value for _, value in rows],
            "label": value_label,
            "horizontal": horizontal,
        },
    }
