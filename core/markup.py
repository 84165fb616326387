"""Slack mrkdwn escaping. Slack reads only &, < and > as control characters."""


def escape(text: object) -> str:
    """Show user text literally: no `<!channel>`, no smuggled links or mentions."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut to Slack's field limits without breaking an escape sequence."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"
