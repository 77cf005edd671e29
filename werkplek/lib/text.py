"""Text from a request as the database can hold it."""

# PostgreSQL refuses a NUL character in any string, also one it only compares with: a query
# holding one fails. Nobody types one; a crafted link or form does.
NUL = "\x00"


def search_text(value) -> str:
    """What a search box sent, ready to compare: trimmed, without NUL characters."""
    return str(value or "").replace(NUL, "").strip()


def has_nul(value: str) -> bool:
    """Whether `value` holds a NUL: such a token or key can match no stored one."""
    return NUL in value
