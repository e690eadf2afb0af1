"""Discord's limits on what a bot sends, checked the way Discord checks them.

Each check returns Discord's `errors` tree for a 400 "Invalid Form Body" (empty when the payload
is fine), so a bot that breaks a limit here gets the same answer it would get from Discord.
"""

from __future__ import annotations

from typing import Any

CONTENT = 2000
EMBEDS = 10
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
ROWS = 5
ROW_ITEMS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
OPTION_LABEL = 100
CHOICES = 25
CHOICE_TEXT = 100
MODAL_TITLE = 45
MODAL_ROWS = 5
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000
PLACEHOLDER = 100
FILES = 10
FILE_SIZE = 10 * 1024 * 1024  # the interaction's attachment_size_limit in the stand-in


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(value: Any, limit: int) -> dict[str, Any] | None:
    if isinstance(value, str) and len(value) > limit:
        return _error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    return None


def check_message(payload: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if (e := _too_long(payload.get("content"), CONTENT)) is not None:
        errors["content"] = e
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS:
        errors["embeds"] = _error("BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS} or fewer in length.")
    else:
        embed_errors = {str(i): e for i, embed in enumerate(embeds) if (e := check_embed(embed))}
        if embed_errors:
            errors["embeds"] = embed_errors
    if component_errors := check_components(payload.get("components") or []):
        errors["components"] = component_errors
    uploads = payload.get("__uploads__") or []
    if len(uploads) > FILES:
        errors["files"] = _error("BASE_TYPE_MAX_LENGTH", f"Must be {FILES} or fewer in length.")
    for i, (name, data, _) in enumerate(uploads):
        if not name:
            errors[f"files[{i}]"] = _error("BASE_TYPE_REQUIRED", "This field is required")
        elif len(data) > FILE_SIZE:
            errors[f"files[{i}]"] = _error("BASE_TYPE_MAX_LENGTH", "File too large.")
    return errors


def check_embed(embed: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for key, limit in (("title", TITLE), ("description", DESCRIPTION)):
        if (e := _too_long(embed.get(key), limit)) is not None:
            errors[key] = e
    if (e := _too_long((embed.get("footer") or {}).get("text"), FOOTER)) is not None:
        errors["footer"] = {"text": e}
    if (e := _too_long((embed.get("author") or {}).get("name"), AUTHOR_NAME)) is not None:
        errors["author"] = {"name": e}
    fields = embed.get("fields") or []
    if len(fields) > FIELDS:
        errors["fields"] = _error("BASE_TYPE_MAX_LENGTH", f"Must be {FIELDS} or fewer in length.")
    else:
        field_errors = {}
        for i, field in enumerate(fields):
            problems = {}
            if not field.get("name") or not field.get("value"):
                problems["value"] = _error("BASE_TYPE_REQUIRED", "This field is required")
            if (e := _too_long(field.get("name"), FIELD_NAME)) is not None:
                problems["name"] = e
            if (e := _too_long(field.get("value"), FIELD_VALUE)) is not None:
                problems["value"] = e
            if problems:
                field_errors[str(i)] = problems
        if field_errors:
            errors["fields"] = field_errors
    if embed_text_length(embed) > EMBED_TOTAL:
        errors["_errors"] = [
            {
                "code": "MAX_EMBED_SIZE_EXCEEDED",
                "message": "Embed size exceeds maximum size of 6000",
            }
        ]
    url = embed.get("url")
    if url is not None and not str(url).startswith(("http://", "https://")):
        errors["url"] = _error("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    return errors


def embed_text_length(embed: dict[str, Any]) -> int:
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
        + sum(
            len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or []
        )
    )


def check_components(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if len(rows) > ROWS:
        return _error("BASE_TYPE_MAX_LENGTH", f"Must be {ROWS} or fewer in length.")
    errors: dict[str, Any] = {}
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") == 1 and len(items) > ROW_ITEMS:
            errors[str(r)] = {"components": _error("BASE_TYPE_MAX_LENGTH", "Too many items.")}
            continue
        for i, item in enumerate(items):
            problems: dict[str, Any] = {}
            if (e := _too_long(item.get("custom_id"), CUSTOM_ID)) is not None:
                problems["custom_id"] = e
            if (e := _too_long(item.get("label"), BUTTON_LABEL)) is not None:
                problems["label"] = e
            options = item.get("options") or []
            if len(options) > SELECT_OPTIONS:
                problems["options"] = _error("BASE_TYPE_MAX_LENGTH", "Too many options.")
            for o, option in enumerate(options):
                if (e := _too_long(option.get("label"), OPTION_LABEL)) is not None:
                    problems.setdefault("options", {})[str(o)] = {"label": e}
            if problems:
                errors.setdefault(str(r), {"components": {}})["components"][str(i)] = problems
    return errors


def check_choices(choices: list[dict[str, Any]]) -> dict[str, Any]:
    if len(choices) > CHOICES:
        return {"choices": _error("BASE_TYPE_MAX_LENGTH", f"Must be {CHOICES} or fewer in length.")}
    errors = {}
    for i, choice in enumerate(choices):
        problems = {}
        for key in ("name", "value"):
            if (e := _too_long(choice.get(key), CHOICE_TEXT)) is not None:
                problems[key] = e
        if problems:
            errors[str(i)] = problems
    return {"choices": errors} if errors else {}


def check_modal(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if (e := _too_long(data.get("title"), MODAL_TITLE)) is not None:
        errors["title"] = e
    if (e := _too_long(data.get("custom_id"), CUSTOM_ID)) is not None:
        errors["custom_id"] = e
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS:
        errors["components"] = _error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        return errors
    for r, row in enumerate(rows):
        for i, item in enumerate(row.get("components") or [row.get("component") or {}]):
            problems: dict[str, Any] = {}
            if (e := _too_long(item.get("label"), TEXT_INPUT_LABEL)) is not None:
                problems["label"] = e
            if (e := _too_long(item.get("placeholder"), PLACEHOLDER)) is not None:
                problems["placeholder"] = e
            most = min(item.get("max_length") or TEXT_INPUT_VALUE, TEXT_INPUT_VALUE)
            if (e := _too_long(item.get("value"), most)) is not None:
                problems["value"] = e  # a pre-filled value longer than the box allows
            if (item.get("min_length") or 0) > most:
                problems["min_length"] = _error("NUMBER_TYPE_MAX", "min_length over max_length.")
            if problems:
                errors.setdefault("components", {})[f"{r}.{i}"] = problems
    return errors
