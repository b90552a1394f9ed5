# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""`urls.parse_srcset`, compiled: the same candidates from the same `srcset` values.

Why: a srcset is tokenised a word at a time and each descriptor matched by a regex, about 2 µs
of Python a candidate; images with a srcset are a third of those on the 199 KB benchmark pages,
and their parsing was 0.24 M instructions a page there. Here the value is read once, character
by character, with the same rules:

- words are runs of characters that are not whitespace as `str.split` knows it;
- `urls._split_candidates`' state machine on them: outside a candidate, leading commas are
  dropped and a word ending in a comma is a whole candidate without descriptors (its trailing
  commas dropped), any other word begins a candidate as its URL; inside one, a word is split at
  its first comma, the part before it (if any) is a descriptor and the comma ends the candidate,
  the rest of the word read again;
- a descriptor is `urls._DESCRIPTOR`: a number (`[0-9]*\\.?[0-9]+`, then optionally `e`, a sign
  and digits) and one of `w`, `x`, `h` in either case, the number read by Python's `float`;
- a candidate is kept or skipped, and valued, as `parse_srcset` says.

`urls.parse_srcset` uses this when it was built; tests/pipeline/net/test_urls.py checks the two
give the same result on every srcset of the saved and archived pages, on mutations of them and
on random strings of the characters that matter.
"""

from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_FromString
from cpython.unicode cimport Py_UNICODE_ISSPACE, PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ, PyUnicode_Substring
from libc.math cimport floor, isfinite

__all__ = ["parse_srcset"]

cdef enum:
    COMMA = 0x2C


cdef inline bint _digit(unsigned int ch) noexcept:
    return 0x30 <= ch <= 0x39


cdef unsigned int _descriptor_kind(int kind, const void *data, Py_ssize_t start, Py_ssize_t end) noexcept:
    """`w`, `x` or `h` (lower case) when `[start, end)` matches `urls._DESCRIPTOR`, else 0."""
    cdef Py_ssize_t i = start, digits
    cdef unsigned int last, ch
    if end - start < 2:
        return 0
    last = PyUnicode_READ(kind, data, end - 1)
    if last == 0x57 or last == 0x58 or last == 0x48:  # W X H
        last += 0x20
    if last != 0x77 and last != 0x78 and last != 0x68:  # w x h
        return 0
    end -= 1
    digits = 0
    while i < end and _digit(PyUnicode_READ(kind, data, i)):
        i += 1
        digits += 1
    if i < end and PyUnicode_READ(kind, data, i) == 0x2E:  # "." then at least one digit
        i += 1
        digits = 0
        while i < end and _digit(PyUnicode_READ(kind, data, i)):
            i += 1
            digits += 1
    if digits == 0:
        return 0
    if i < end:
        ch = PyUnicode_READ(kind, data, i)
        if ch != 0x65 and ch != 0x45:  # e E
            return 0
        i += 1
        if i < end and (PyUnicode_READ(kind, data, i) == 0x2B or PyUnicode_READ(kind, data, i) == 0x2D):  # + -
            i += 1
        digits = 0
        while i < end and _digit(PyUnicode_READ(kind, data, i)):
            i += 1
            digits += 1
        if digits == 0 or i < end:
            return 0
    return last


cdef int _candidate(list result, str value, int kind, const void *data, Py_ssize_t url_start, Py_ssize_t url_end,
                    list descriptors) except -1:
    """`parse_srcset`'s judgement of one candidate: append it, valued, or skip it."""
    cdef Py_ssize_t index
    cdef unsigned int letter
    cdef double number
    width = None
    density = None
    for index in range(0, len(descriptors), 2):
        start = descriptors[index]
        end = descriptors[index + 1]
        letter = _descriptor_kind(kind, data, start, end)
        if letter == 0:
            return 0
        parsed = PyFloat_FromString(PyUnicode_Substring(value, start, end - 1))
        number = PyFloat_AS_DOUBLE(parsed)
        if letter == 0x77:  # w
            if width is not None or density is not None or number <= 0 or not (isfinite(number) and floor(number) == number):
                return 0
            width = parsed
        elif letter == 0x78:  # x
            if width is not None or density is not None or number <= 0:
                return 0
            density = parsed
        # "h" is only meaningful with "w" and does not change the ranking.
    url = PyUnicode_Substring(value, url_start, url_end)
    if width is not None:
        result.append((url, width, "w"))
    else:
        result.append((url, density if density is not None else 1.0, "x"))
    return 0


def parse_srcset(str value) -> list:
    """`urls.parse_srcset(value)` (the module docstring says how)."""
    cdef Py_ssize_t n = len(value), i = 0, word_start, word_end, p, e, url_start = -1, url_end = 0
    cdef int kind = PyUnicode_KIND(value)
    cdef const void *data = PyUnicode_DATA(value)
    cdef list result = []
    cdef list descriptors = []  # start, end of each descriptor of the open candidate
    while True:
        while i < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1
        if i >= n:
            break
        word_start = i
        while i < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1
        word_end = i
        p = word_start
        while p < word_end:
            if url_start < 0:
                while p < word_end and PyUnicode_READ(kind, data, p) == COMMA:
                    p += 1
                if p == word_end:
                    break
                if PyUnicode_READ(kind, data, word_end - 1) == COMMA:
                    e = word_end
                    while e > p and PyUnicode_READ(kind, data, e - 1) == COMMA:
                        e -= 1
                    _candidate(result, value, kind, data, p, e, [])
                else:
                    url_start, url_end = p, word_end
                    descriptors = []
                p = word_end
            else:
                e = p
                while e < word_end and PyUnicode_READ(kind, data, e) != COMMA:
                    e += 1
                if e > p:
                    descriptors.append(p)
                    descriptors.append(e)
                if e < word_end:  # a comma ends the candidate; the rest of the word is read again
                    _candidate(result, value, kind, data, url_start, url_end, descriptors)
                    url_start = -1
                    p = e + 1
                else:
                    p = word_end
    if url_start >= 0:
        _candidate(result, value, kind, data, url_start, url_end, descriptors)
    return result
