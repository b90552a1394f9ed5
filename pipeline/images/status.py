"""The closed list of statuses an image slot can end with, and how failures map onto them.

Every image slot a kept document shows ends with exactly one of these in its `fetch.status`, so a
slot never disappears without saying why. The counts by status land in the manifest.

=====================  ==========================================================================
status                 meaning
=====================  ==========================================================================
`ok`                   bytes obtained and decoded
`http_error`           the server answered with an HTTP error (`fetch.http_status` has the code)
`timeout`              no complete answer within `images.timeout_s`
`connection_error`     DNS failure, refused or reset connection, TLS failure
`opted_out`            an `X-Robots-Tag` directive (`noai`, `noimageai`, ...) forbids the use
`blocked`              the network policy refused the URL or a redirect (private address, scheme)
`too_large`            over `images.max_image_bytes` or `images.max_pixels` (decompression bomb)
`decode_error`         bytes that Pillow cannot decode (not an image, corrupt, unsupported, SVG)
`truncated`            the image data ends early
`invalid_url`          a URL or `data:` URI that cannot be parsed
`over_cap`             beyond `images.max_images_per_doc` for its document: not fetched
`budget_exhausted`     the job's `images.max_job_bytes` was used up before this image
`not_attempted`        downloads are off (`images.download = false`) and no archive copy exists
=====================  ==========================================================================

A rerun resumes downloads: URLs whose last status is retryable (`timeout`, `connection_error`,
`http_error` 408, 429 or 5xx, `budget_exhausted`) or that have no result yet are fetched again;
everything else is taken from the earlier result. The same rule decides which failures are
retried within a job (`weft.pipeline.images.download`): any other 4xx is the site's final
answer, and asking again would only cost it another request.
"""

from __future__ import annotations

OK = "ok"
HTTP_ERROR = "http_error"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
OPTED_OUT = "opted_out"
BLOCKED = "blocked"
TOO_LARGE = "too_large"
DECODE_ERROR = "decode_error"
TRUNCATED = "truncated"
INVALID_URL = "invalid_url"
OVER_CAP = "over_cap"
BUDGET_EXHAUSTED = "budget_exhausted"
NOT_ATTEMPTED = "not_attempted"

STATUSES = (
    OK,
    HTTP_ERROR,
    TIMEOUT,
    CONNECTION_ERROR,
    OPTED_OUT,
    BLOCKED,
    TOO_LARGE,
    DECODE_ERROR,
    TRUNCATED,
    INVALID_URL,
    OVER_CAP,
    BUDGET_EXHAUSTED,
    NOT_ATTEMPTED,
)

SOURCE_DATA_URI = "data-uri"
SOURCE_ARCHIVE = "archive"
SOURCE_DOWNLOAD = "download"
SOURCE_NONE = "none"


RETRYABLE_HTTP_STATUSES = frozenset({408, 429})
"""The 4xx answers that mean "not now" rather than "no": Request Timeout and Too Many Requests."""


def is_retryable(status: str, http_status: int | None) -> bool:
    """Whether a URL that ended with this status is worth asking for again (in a later attempt
    of the same job, or on `--resume`)."""
    if status in (TIMEOUT, CONNECTION_ERROR, BUDGET_EXHAUSTED):
        return True
    if status != HTTP_ERROR or http_status is None:
        return False
    return http_status in RETRYABLE_HTTP_STATUSES or http_status >= 500
