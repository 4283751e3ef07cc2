from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict (an indicator's label from its id), falling back to the key."""
    return mapping.get(key, key)
