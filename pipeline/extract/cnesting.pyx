# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""`nesting._open_tags_bound_exceeds` on bytes, compiled: the same bound, the same answers.

Why: the bound is asked of every page with more than 4,096 `<` (`nesting.py`), and in Python it
costs a `findall` list of every tag and a set test and a dict update for each (1.2-1.5 ms on
the four saved pages that large; 1.2 M instructions a page averaged over the 77 pages of the
199 KB benchmark WARC, 9% of extracting them). Here the tags are read where they stand in the
page's bytes, and the open counts live in a C hash table keyed by the tag name's bytes.

Read as the Python bound reads (its regex `<(/?[A-Za-z][A-Za-z0-9]*)`, as `findall` applies it):
a tag is `<`, an optional `/`, an ASCII letter, then ASCII letters and digits; after a `<` that
does not begin one the search goes on at the next byte, after a tag at the byte that follows
it. Names are compared as bytes, case and all (`Div` is not `div`), and names the
caller lists (`nesting._BOUND_SKIP_NAMES_BYTES`: the spellings of the elements that never nest)
are skipped, open or closing. `nesting.py` falls back to the Python bound where this module was not built;
tests/pipeline/extract/test_nesting.py checks both give the same answer on every real page
the tests have and on random tag soups.

Also here, `tag_starts_exceed`: the count of `<` that decides whether a page is scanned at all,
asked of every page over 4 kB (`extract` counts with numpy where this module was not built).
"""

from libc.stdint cimport uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memchr, memcmp

__all__ = ["open_tags_bound_exceeds", "tag_starts_exceed"]

ctypedef struct Slot:
    const unsigned char *name  # NULL: an empty slot
    Py_ssize_t length
    Py_ssize_t count  # open elements of this name; -1 marks a name that is skipped


cdef struct Table:
    Slot *slots
    size_t mask  # capacity - 1 (a power of two)
    size_t used


cdef inline uint64_t _hash(const unsigned char *name, Py_ssize_t length) noexcept nogil:
    """FNV-1a: tag names are short."""
    cdef uint64_t h = 14695981039346656037ULL
    cdef Py_ssize_t i
    for i in range(length):
        h = (h ^ name[i]) * 1099511628211ULL
    return h


cdef Slot *_find(Table *table, const unsigned char *name, Py_ssize_t length, uint64_t h) noexcept nogil:
    """The slot holding `name`, or the empty slot where it would go (linear probing)."""
    cdef size_t i = <size_t> h & table.mask
    cdef Slot *slot
    while True:
        slot = &table.slots[i]
        if slot.name == NULL or (slot.length == length and memcmp(slot.name, name, length) == 0):
            return slot
        i = (i + 1) & table.mask


cdef int _grow(Table *table) except -1 nogil:
    """Double the table (it is kept at most half full, so probes stay short)."""
    cdef Slot *old = table.slots
    cdef size_t old_capacity = table.mask + 1, i
    cdef Slot *slot
    table.slots = <Slot *> calloc(2 * old_capacity, sizeof(Slot))
    if table.slots == NULL:
        table.slots = old
        with gil:
            raise MemoryError()
    table.mask = 2 * old_capacity - 1
    for i in range(old_capacity):
        if old[i].name != NULL:
            slot = _find(table, old[i].name, old[i].length, _hash(old[i].name, old[i].length))
            slot[0] = old[i]
    free(old)
    return 0


cdef Slot *_insert(Table *table, const unsigned char *name, Py_ssize_t length) except NULL nogil:
    """The slot of `name`, made (count 0) if it is new."""
    cdef uint64_t h = _hash(name, length)
    cdef Slot *slot = _find(table, name, length, h)
    if slot.name == NULL:
        if 2 * (table.used + 1) > table.mask + 1:
            _grow(table)
            slot = _find(table, name, length, h)
        slot.name = name
        slot.length = length
        slot.count = 0
        table.used += 1
    return slot


cdef inline bint _letter(unsigned char c) noexcept nogil:
    return (c | 0x20) >= 97 and (c | 0x20) <= 122


cdef inline bint _letter_or_digit(unsigned char c) noexcept nogil:
    return _letter(c) or (c >= 48 and c <= 57)


cdef int _fill_skip(Table *table, tuple skip_names) except -1:
    cdef bytes name
    for name in skip_names:
        _insert(table, <const unsigned char *> name, len(name)).count = -1
    return 0


def open_tags_bound_exceeds(const unsigned char[::1] html, Py_ssize_t max_depth, tuple skip_names) -> bool:
    """Whether the open-count bound (`nesting` module docstring) exceeds `max_depth` somewhere in
    `html` (bytes): `nesting._open_tags_bound_exceeds`'s answer. `skip_names` are the names
    skipped open or closing, as bytes (`nesting._BOUND_SKIP_NAMES_BYTES`); the slots point into
    them and into `html`, both held for the call."""
    cdef Py_ssize_t n = html.shape[0], i = 0, start, depth = 0
    cdef const unsigned char *data
    cdef const unsigned char *found
    cdef bint closing
    cdef Slot *slot
    cdef Table table
    if n == 0:
        return False
    data = &html[0]
    table.mask = 255
    table.used = 0
    table.slots = <Slot *> calloc(table.mask + 1, sizeof(Slot))
    if table.slots == NULL:
        raise MemoryError()
    try:
        _fill_skip(&table, skip_names)
        while i < n:
            found = <const unsigned char *> memchr(data + i, 60, n - i)  # "<"
            if found == NULL:
                break
            i = found - data + 1
            closing = i < n and data[i] == 47  # "/"
            start = i + 1 if closing else i
            if start >= n or not _letter(data[start]):
                continue  # no tag here: the search goes on after the "<"
            i = start + 1
            while i < n and _letter_or_digit(data[i]):
                i += 1
            if closing:
                slot = _find(&table, data + start, i - start, _hash(data + start, i - start))
                if slot.name != NULL and slot.count > 0:
                    slot.count -= 1
                    depth -= 1
            else:
                slot = _insert(&table, data + start, i - start)
                if slot.count >= 0:
                    slot.count += 1
                    depth += 1
                    if depth > max_depth:
                        return True
        return False
    finally:
        free(table.slots)


cdef extern from *:
    """
    #include <stddef.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* How many of the n bytes at data are `byte`, counting stops once it exceeds limit (the
       count returned is then limit + 1 or a little more). SSE2 (every x86-64): 16 bytes
       compared at a time, the matches summed in byte lanes for up to 255 blocks, then added up;
       elsewhere a byte at a time. */
    static size_t weft_count_byte(const unsigned char *data, size_t n, unsigned char byte, size_t limit) {
        size_t count = 0, i = 0;
    #if defined(__SSE2__)
        const __m128i needle = _mm_set1_epi8((char) byte), zero = _mm_setzero_si128();
        while (n - i >= 16) {
            size_t blocks = (n - i) / 16, k;
            __m128i lanes = zero, sums;
            if (blocks > 255) blocks = 255;
            for (k = 0; k < blocks; k++, i += 16)
                lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (data + i)), needle));
            sums = _mm_sad_epu8(lanes, zero);
            count += (size_t) _mm_cvtsi128_si32(sums) + (size_t) _mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
            if (count > limit) return count;
        }
    #endif
        for (; i < n; i++) count += data[i] == byte;
        return count;
    }
    """
    size_t weft_count_byte(const unsigned char *data, size_t n, unsigned char byte, size_t limit) nogil


def tag_starts_exceed(const unsigned char[::1] html, Py_ssize_t limit) -> bool:
    """Whether `html` (bytes) holds more than `limit` `<`: `extract`'s trigger for the nesting
    scan, asked of every page over 4 kB. Counted 16 bytes at a time without a boolean array as
    long as the page (numpy's way: 0.27 M instructions on a 200 kB page), stopping once the
    answer is known."""
    if limit < 0:
        return True
    if html.shape[0] == 0:
        return False
    return weft_count_byte(&html[0], html.shape[0], 60, limit) > <size_t> limit
