from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict (an indicator's label from its id), falling back to the key."""
    return mapping.get(key, key)


@register.filter
def percent(probability):
    """A match probability as a percentage, one decimal place, never rounded up to 100%."""
    if probability is None:
        return "–"
    value = float(probability) * 100
    text = f"{value:.1f}"
    return f"{'99.9' if text == '100.0' and value < 100 else text}%"


@register.filter
def high_concern_signs(indicator_ids):
    """The labels of the catalogue's high-level indicators among ``indicator_ids``."""
    from jigsaw.act.advice import high_concern_signs as labels
    from jigsaw.web.concerns.selectors import catalogue

    return labels(indicator_ids or (), catalogue())


@register.filter
def thousands(number):
    """A count with thousands separators, as people read it: 12,345."""
    if number is None or number == "":
        return ""
    return f"{int(number):,}"
