"""Links between the pages of a paged list."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number, param="page"):
    """The current query string with `param` set to page `number`: search and filters, and
    the place in another paged list on the same page, survive."""
    params = context.request.GET.copy()
    params[param] = number
    return f"?{params.urlencode()}"
