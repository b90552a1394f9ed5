# cython: language_level=3, boundscheck=False, wraparound=False
"""`weft.filters.textstats`'s word count in one compiled pass over the text, with the two facts
the spam rule asks next found on the way: whether the text has a character in the CJK-and-emoji
range, and whether it could hold a URL.

Why: the word count is three passes in Python (CJK characters to spaces, `str.split`, a regular
expression for tokens without a letter or digit), and the spam rule scans the text twice more
(for the range, and a lower-cased copy for "www."). On the bench WARC's pages (7,400 characters
of text on average) that was 0.23 ms a page for the spam rule and 0.11 ms for the language rule's
choice of prose lines, about 6% of a text job.

The definitions are `textstats`'s, character for character: a space is what `str.split` splits
on (`Py_UNICODE_ISSPACE`), a letter or digit what `\\w` means apart from "_"
(`Py_UNICODE_ISALNUM`), and the CJK ranges are `textstats._CJK_RANGES`, handed over by
`load_ranges` when textstats imports this module. The tests compare this pass with the Python
one on every real page and on strings built from every space character and the ranges' edges.
"""

from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISSPACE

cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void *PyUnicode_DATA(object)
    Py_UCS4 PyUnicode_READ(int, void *, Py_ssize_t)

cdef Py_UCS4 WIDE_LOW = 0x231A  # textstats._CJK_OR_EMOJI: every CJK character and every emoji
cdef Py_UCS4 WIDE_HIGH = 0x2EBEF
cdef Py_UCS4 CJK[16][2]
cdef int N_CJK = 0


def load_ranges(str ranges) -> int:
    """Take `textstats._CJK_RANGES` ("a-bc-d...") as the CJK ranges; ImportError (textstats then
    counts in Python) for a string that is not such a run."""
    global N_CJK
    if len(ranges) % 3 or len(ranges) // 3 > 16 or any(ranges[i + 1] != "-" for i in range(0, len(ranges), 3)):
        raise ImportError("textstats._CJK_RANGES is not a run of a-b ranges")
    N_CJK = len(ranges) // 3
    for n in range(N_CJK):
        CJK[n][0] = ord(ranges[3 * n])
        CJK[n][1] = ord(ranges[3 * n + 2])
        if not (WIDE_LOW <= CJK[n][0] <= CJK[n][1] <= WIDE_HIGH):
            raise ImportError("a CJK range lies outside U+231A-U+2EBEF")
    return N_CJK


cdef inline bint _is_cjk(Py_UCS4 ch) noexcept nogil:
    cdef int n
    for n in range(N_CJK):
        if CJK[n][0] <= ch <= CJK[n][1]:
            return True
    return False


cdef inline bint _is_w(Py_UCS4 ch) noexcept nogil:
    return ch == 87 or ch == 119  # "W", "w": nothing else lower-cases to "w"


cpdef tuple scan(str text):
    """`(count_words(text), any character in U+231A-U+2EBEF, "://" or "www." in any case)`.
    Before `load_ranges`, no character is CJK."""
    cdef Py_ssize_t n = len(text), i
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_UCS4 ch
    cdef Py_ssize_t words = 0
    cdef bint token = False, wordy = False, wide = False, url = False
    cdef Py_UCS4 p1 = 0, p2 = 0, p3 = 0  # the three characters before ch
    for i in range(n):
        ch = PyUnicode_READ(kind, data, i)
        if ch >= WIDE_LOW and ch <= WIDE_HIGH:
            wide = True
            if _is_cjk(ch):
                words += 1
                if token and wordy:
                    words += 1
                token = wordy = False
                p1, p2, p3 = ch, p1, p2
                continue
        if Py_UNICODE_ISSPACE(ch):
            if token and wordy:
                words += 1
            token = wordy = False
        else:
            token = True
            if not wordy and Py_UNICODE_ISALNUM(ch):
                wordy = True
            if not url and ((ch == 47 and p1 == 47 and p2 == 58) or
                            (ch == 46 and _is_w(p1) and _is_w(p2) and _is_w(p3))):
                url = True
        p1, p2, p3 = ch, p1, p2
    if token and wordy:
        words += 1
    return words, wide, url
