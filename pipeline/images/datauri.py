"""`data:` URIs: inline images, decoded where they stand (they never reach the URL exchange)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_to_bytes


def decode_data_uri(uri: str) -> tuple[bytes, str | None]:
    """The bytes and declared type of a `data:` URI; raises ValueError when it is malformed."""
    header, sep, data = uri[5:].partition(",")
    if not sep:
        raise ValueError("data: URI without a comma")
    params = header.split(";")
    content_type = params[0].strip().lower() or None
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            return base64.b64decode(unquote_to_bytes(data), validate=False), content_type
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"bad base64 in data: URI ({exc})") from None
    return unquote_to_bytes(data), content_type
