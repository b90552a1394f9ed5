# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The walk of `weft.pipeline.extract.walk`, compiled: the same rules, the same events, the same
builder, without a Python object per node.

Why: the Python walk asks selectolax for each node's `tag_id`, `first_child` and `next`, and each
answer is a new `LexborNode` (an allocation, a reference count, a free): on Common Crawl-sized
pages that loop is a fifth of a whole `weft run`. Here the loop follows lexbor's node pointers in
C and calls Python only for what the rules need: an element's attributes as a dict, the text of
a text node, and the events the segment builder records. The rules themselves (boilerplate,
images, the builder) stay in Python, shared with the Python walk; this module is its loop only.

How it reaches lexbor without lexbor's headers (the selectolax wheel ships none): the functions
are looked up by name in selectolax's own extension module, which exports lexbor's functions,
so every node, attribute and name is read by lexbor's code as selectolax reads it. One layout
fact is assumed, that a text node's characters (`lexbor_str_t`) follow its node header, as in
lexbor 3.1 (selectolax 1.0.2, the version setup.cfg pins). It is checked at import against
selectolax's own reading of the same nodes (`_check_layout`), and so is the whole walk, against
the Python walk on a probe page that takes every branch (`_check_walk`), and so is the search for
guard 2's protected elements (`_check_protected`). If a check fails, importing this module raises
`ImportError` and weft uses the Python walk (`weft.pipeline.extract.walkers`).

Nodes handed to Python code (the rare paths: `<picture>`, `<noscript>`, `<figure>`, guard 6's
paragraph text once `_count_p` has found enough paragraphs, explain mode) are real `LexborNode`s,
made with selectolax's own constructor.
"""

from cpython.object cimport PyObject
from cpython.pycapsule cimport PyCapsule_GetPointer
from cpython.unicode cimport (
    PyUnicode_1BYTE_KIND,
    PyUnicode_2BYTE_KIND,
    Py_UNICODE_ISSPACE,
    PyUnicode_DATA,
    PyUnicode_DecodeUTF8,
    PyUnicode_FromKindAndData,
    PyUnicode_KIND,
)
from libc.stdint cimport uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp
from posix.dlfcn cimport RTLD_NOW, dlerror, dlopen, dlsym

import selectolax.lexbor as _selectolax
from selectolax import __version__ as SELECTOLAX_VERSION
from selectolax.lexbor import LexborHTMLParser, LexborNode

from weft.pipeline.extract import walk as _py
from weft.pipeline.extract.boilerplate import (
    _CLASS_KINDS,
    B_HIDDEN,
    B_NONE,
    B_TOKEN,
    FORM_CONTENT_MIN_P,
    NEVER_REMOVED_IDS,
    SAYING_ATTRS,
    WRAPPER_MIN_P,
    _class_kind,
    boilerplate_kind,
    is_main_role,
    paragraph_chars,
    skip_reason,
)
from weft.pipeline.extract.image_slots import emit_image, noscript_image, picture_parts
from weft.pipeline.extract.tags import ID_A, ID_ARTICLE, ID_BASE, ID_FORM, ID_HEADER, ID_MAIN, TAG_ID, TEXT_ID

cdef extern from "<dlfcn.h>":
    int RTLD_NOLOAD

__all__ = ["collapse", "protected_ids_and_base", "walk"]

# ----- lexbor, by name -----------------------------------------------------------------------

cdef extern from *:
    """
    /* lexbor's lexbor_str_t, and the start of lxb_dom_character_data_t: the dom node header
       (lxb_dom_node_t: eleven pointer-sized fields and the node type), then the characters. */
    typedef struct { unsigned char *data; size_t length; } weft_lx_str;
    typedef struct { void *fields[11]; int type; } weft_lx_node_header;
    typedef struct { weft_lx_node_header node; weft_lx_str data; } weft_lx_character_data;
    """
    ctypedef struct lx_str "weft_lx_str":
        unsigned char *data
        size_t length
    ctypedef struct lx_character_data "weft_lx_character_data":
        lx_str data

ctypedef uintptr_t (*tag_id_f)(void *) noexcept nogil
ctypedef int (*node_type_f)(void *) noexcept nogil
ctypedef void *(*step_f)(void *) noexcept nogil
ctypedef const unsigned char *(*name_f)(void *, size_t *) noexcept nogil
ctypedef object (*new_node_f)(void *, object)

cdef tag_id_f lx_tag_id
cdef node_type_f lx_node_type
cdef step_f lx_first_child, lx_next, lx_parent, lx_first_attr, lx_next_attr
cdef name_f lx_attr_name, lx_attr_local_name, lx_attr_value
cdef new_node_f lx_new_node

cdef enum:
    NODE_ELEMENT = 1
    NODE_TEXT = 3


VTABLE_READ_FROM = ("1.0.2",)
"""The selectolax releases whose `LexborNode` vtable begins with `new` (read from their source)."""


cdef void *_symbol(void *handle, const char *name) except NULL:
    cdef void *found = dlsym(handle, name)
    if found == NULL:
        raise ImportError(f"selectolax does not export lexbor's {name.decode()}")
    return found


cdef void _bind() except *:
    """Look lexbor's functions up in the selectolax extension already loaded (RTLD_NOLOAD: the
    same copy of lexbor that built the tree)."""
    global lx_tag_id, lx_node_type, lx_first_child, lx_next, lx_parent, lx_first_attr, lx_next_attr
    global lx_attr_name, lx_attr_local_name, lx_attr_value, lx_new_node
    cdef void *handle = dlopen(_selectolax.__file__.encode(), RTLD_NOW | RTLD_NOLOAD)
    if handle == NULL:
        raise ImportError(f"cannot open selectolax's extension: {(<bytes> dlerror()).decode()}")
    lx_tag_id = <tag_id_f> _symbol(handle, b"lxb_dom_node_tag_id_noi")
    lx_node_type = <node_type_f> _symbol(handle, b"lxb_dom_node_type_noi")
    lx_first_child = <step_f> _symbol(handle, b"lxb_dom_node_first_child_noi")
    lx_parent = <step_f> _symbol(handle, b"lxb_dom_node_parent_noi")
    lx_next = <step_f> _symbol(handle, b"lxb_dom_node_next_noi")
    lx_first_attr = <step_f> _symbol(handle, b"lxb_dom_element_first_attribute_noi")
    lx_next_attr = <step_f> _symbol(handle, b"lxb_dom_element_next_attribute_noi")
    lx_attr_name = <name_f> _symbol(handle, b"lxb_dom_attr_qualified_name")
    lx_attr_value = <name_f> _symbol(handle, b"lxb_dom_attr_value_noi")
    lx_attr_local_name = <name_f> _symbol(handle, b"lxb_dom_attr_local_name")
    # LexborNode.new, selectolax's own constructor for a node pointer, is the first entry of
    # LexborNode's Cython vtable (what `cimport` would use; the wheel has no headers to cimport).
    # A vtable of another layout could not be told apart before a wrong entry is called, so it is
    # used only with the selectolax release it was read from (setup.cfg pins it).
    if SELECTOLAX_VERSION not in VTABLE_READ_FROM:
        raise ImportError(f"the compiled walk knows selectolax {', '.join(VTABLE_READ_FROM)}, "
                          f"not {SELECTOLAX_VERSION}")
    capsule = LexborNode.__dict__.get("__pyx_vtable__")
    if capsule is None:
        raise ImportError("selectolax's LexborNode has no Cython vtable")
    lx_new_node = (<new_node_f *> PyCapsule_GetPointer(capsule, NULL))[0]


cdef inline object _take(list buf, void *node, Py_ssize_t pre_depth):
    """Add what a text node says to the paragraph, as the Python walk reads it through
    selectolax (`is_empty_text_node`, then `text_content`): whitespace outside `<pre>` is a space
    (its exact content does not matter, only that it separates words, so it is not decoded, and
    a paragraph does not begin with one), anything else its text. Returns the text added, or None
    for a space or nothing (no characters, or a node of another type)."""
    cdef lx_str *text
    if lx_node_type(node) != NODE_TEXT:
        return None
    text = &(<lx_character_data *> node).data
    if pre_depth == 0 and _blank(text):
        if buf:
            buf.append(" ")
        return None
    if text.data == NULL or not text.length:
        return None
    piece = _decode(text.data, text.length)
    buf.append(piece)
    return piece


cdef inline bint _blank(lx_str *text) noexcept nogil:
    """selectolax's `is_empty_text_node`: only HTML ASCII whitespace, or nothing."""
    cdef const unsigned char *cursor = text.data
    cdef const unsigned char *end
    if cursor == NULL:
        return True
    end = cursor + text.length
    while cursor < end:
        if cursor[0] != 0x20 and cursor[0] != 0x09 and cursor[0] != 0x0a and cursor[0] != 0x0c and cursor[0] != 0x0d:
            return False
        cursor += 1
    return True


cdef inline str _decode(const unsigned char *data, size_t length):
    """selectolax's decoding of every name, value and text: UTF-8, bad bytes replaced."""
    return PyUnicode_DecodeUTF8(<const char *> data, length, "replace")


cdef enum:
    SAYS_CLASS = 1
    SAYS_ID = 2
    SAYS_OTHER = 4  # role, hidden, aria-hidden or style


cdef dict _attributes(void *node, int *saying):
    """selectolax's `LexborNode.attributes`: names as written, a value-less attribute None.
    `saying` gets a `SAYS_*` bit for each name in `SAYING_ATTRS` (those `boilerplate_kind`
    reads) the element has, for `_boilerplate_kind`."""
    cdef dict attrs = {}
    cdef void *attr
    cdef const unsigned char *name
    cdef const unsigned char *value
    cdef size_t name_length, value_length
    saying[0] = 0
    if lx_node_type(node) != NODE_ELEMENT:
        return attrs
    attr = lx_first_attr(node)
    while attr != NULL:
        name_length = 0
        name = lx_attr_name(attr, &name_length)
        key = _known_name(name, name_length, saying)
        if key is None:  # not one of SAYING_ATTRS either (they are all known)
            key = _decode(name, name_length)
        value_length = 0
        value = lx_attr_value(attr, &value_length)
        attrs[key] = _decode(value, value_length) if value != NULL else None
        attr = lx_next_attr(attr)
    return attrs


KNOWN_NAMES = ("class", "style", "title", "width", "value", "sizes", "href", "type", "role", "name", "lang",
               "id", "src", "alt", "rel", "dir", "target", "height", "srcset", "hidden", "itemprop",
               "data-src", "tabindex", "aria-label", "data-srcset", "aria-hidden")
"""The commonest attribute names (85% of those on the 199 KB benchmark pages' bodies), commonest
first, and every name in `SAYING_ATTRS` (`_load_known_names` checks)."""

cdef enum:
    MAX_KNOWN = 64
    MAX_KNOWN_LENGTH = 32
cdef const char *KNOWN_BYTES[MAX_KNOWN]
cdef PyObject *KNOWN_STRING[MAX_KNOWN]
cdef int KNOWN_BIT[MAX_KNOWN]
cdef int KNOWN_FROM[MAX_KNOWN_LENGTH + 2]  # the names of length n are KNOWN_FROM[n] to KNOWN_FROM[n + 1]
cdef list _KNOWN_KEPT = []  # the bytes and strings the table points into


def _load_known_names() -> None:
    """`_known_name`'s table from `KNOWN_NAMES`: by length, commonest first within a length, with
    each name's `SAYS_*` bit."""
    cdef int i, n
    names = sorted(KNOWN_NAMES, key=len)  # stable: the commonest first within a length
    missing = set(SAYING_ATTRS) - set(names)
    if missing:
        raise ImportError(f"the compiled walk's known attribute names do not cover {sorted(missing)}")
    if len(names) > MAX_KNOWN or max(map(len, names)) > MAX_KNOWN_LENGTH:
        raise ImportError("the compiled walk's table of known attribute names is too small")
    bits = {"class": SAYS_CLASS, "id": SAYS_ID}
    for i, name in enumerate(names):
        encoded = name.encode("ascii")
        _KNOWN_KEPT.append((encoded, name))
        KNOWN_BYTES[i] = encoded
        KNOWN_STRING[i] = <PyObject *> name
        KNOWN_BIT[i] = bits.get(name, SAYS_OTHER) if name in SAYING_ATTRS else 0
    for n in range(MAX_KNOWN_LENGTH + 2):
        KNOWN_FROM[n] = sum(1 for name in names if len(name) < n)


cdef object _known_name(const unsigned char *name, size_t length, int *saying):
    """One of `KNOWN_NAMES` as one string object each, made once: a name met again is neither
    decoded nor hashed again (a string keeps its hash). Sets `saying`'s bit for a name in
    `SAYING_ATTRS`, all of which are known. None for any other name."""
    cdef int i
    if length > MAX_KNOWN_LENGTH:
        return None
    for i in range(KNOWN_FROM[length], KNOWN_FROM[length + 1]):
        if memcmp(name, KNOWN_BYTES[i], length) == 0:
            saying[0] |= KNOWN_BIT[i]
            return <object> KNOWN_STRING[i]
    return None


_load_known_names()


cdef inline object _node(void *node, object parser):
    return lx_new_node(node, parser)


cdef int _boilerplate_kind(dict attrs, int saying) except -1:
    """`boilerplate_kind(attrs)` for an element with a `saying` attribute. Most have a class or
    an id and none of the other four: for them its first two tests, the class's and then the
    id's kind from the `_CLASS_KINDS` cache, are made here without calling it (the answer is
    B_NONE when neither says anything, as it is there: the other tests need the other names);
    anything else is asked of it."""
    cdef object kind
    if saying & SAYS_OTHER:
        return boilerplate_kind(attrs)
    if saying & SAYS_CLASS:
        kind = _value_kind(attrs["class"])
        if kind:
            return kind
    if saying & SAYS_ID:
        kind = _value_kind(attrs["id"])
        if kind:
            return kind
    return B_NONE


cdef inline object _value_kind(object value):
    """What a class or id value says (`boilerplate_kind`'s first two tests), by the
    `_CLASS_KINDS` cache; B_NONE for an empty or absent value."""
    if not value:
        return B_NONE
    kind = CLASS_KINDS.get(value)
    return class_kind(value) if kind is None else kind


cdef frozenset SAYING = SAYING_ATTRS
cdef dict CLASS_KINDS = _CLASS_KINDS  # emptied when full, never replaced
cdef object class_kind = _class_kind

_bind()

# ----- the walk ------------------------------------------------------------------------------

cdef int K_INLINE = _py._K_INLINE, K_SKIP = _py._K_SKIP, K_BLOCK = _py._K_BLOCK, K_PRE = _py._K_PRE
cdef int K_SECTION = _py._K_SECTION, K_FIGURE = _py._K_FIGURE, K_LANDMARK = _py._K_LANDMARK
cdef int K_IMG = _py._K_IMG, K_PICTURE = _py._K_PICTURE, K_BR = _py._K_BR, K_NOSCRIPT = _py._K_NOSCRIPT
cdef int F_BLOCK = _py._F_BLOCK, F_PRE = _py._F_PRE, F_SECTION = _py._F_SECTION, F_LINK = _py._F_LINK
cdef int F_MAIN = _py._F_MAIN
cdef uintptr_t T_TEXT = TEXT_ID, T_A = ID_A, T_HEADER = ID_HEADER, T_FORM = ID_FORM, T_SECTION = _py.ID_SECTION
cdef uintptr_t T_P = TAG_ID["p"], T_BASE = ID_BASE, T_MAIN = ID_MAIN, T_ARTICLE = ID_ARTICLE
cdef list _KINDS = list(_py._KIND_BY_ID)
cdef Py_ssize_t N_KINDS = len(_KINDS)
cdef unsigned char *KINDS = <unsigned char *> malloc(N_KINDS)
if KINDS == NULL:
    raise MemoryError()
for _i in range(N_KINDS):
    KINDS[_i] = _KINDS[_i]
cdef frozenset NEVER_REMOVED = NEVER_REMOVED_IDS
cdef str BR_MARK = _py._BR_MARK
cdef object custom_kind = _py._custom_kind
cdef object move_leading_figcaption = _py._move_leading_figcaption
cdef object SegmentBuilder = _py.SegmentBuilder


cdef int _custom_kind(dict custom, uintptr_t tid, void *node, object parser) except -1:
    """`walk._custom_kind`, with a `LexborNode` made only for a tag number not seen before."""
    kind = custom.get(tid)
    if kind is None:
        kind = custom_kind(custom, tid, _node(node, parser))
    return kind


cdef object BR_RUN = _py._BR_RUN
cdef object br_replacement = _py._br_replacement
cdef int IT_PARA = _py.IT_PARA


cdef extern from "Python.h":
    ctypedef unsigned char ucs1 "Py_UCS1"
    ctypedef unsigned short ucs2 "Py_UCS2"
    ctypedef unsigned int ucs4 "Py_UCS4"

ctypedef fused code_unit:
    ucs1
    ucs2
    ucs4


cdef unsigned char SPACE_1BYTE[256]
"""Whether each character below U+0100 is whitespace as `str.split` knows it."""
for _i in range(256):
    SPACE_1BYTE[_i] = chr(_i).isspace()


cdef inline bint _is_space(ucs4 ch) noexcept:
    """`Py_UNICODE_ISSPACE`, by a table below U+0100 (nearly all characters; the only test a
    one-byte string compiles to)."""
    return SPACE_1BYTE[ch] if ch < 256 else Py_UNICODE_ISSPACE(ch)


cpdef str collapse(str text):
    """`" ".join(text.split())` in one pass over the characters, without a string for each word
    (which is what made it the dearest step of ending a paragraph): each run of whitespace, as
    `str.split` knows it, becomes one space, and there is none at either end. Text that is
    already so comes back as it is. Compiled once for each string width: one-byte strings
    (Latin-1, nearly all paragraphs) are then read and written a byte at a time."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    if kind == PyUnicode_1BYTE_KIND:
        return _collapse(text, <const ucs1 *> data, len(text), kind)
    if kind == PyUnicode_2BYTE_KIND:
        return _collapse(text, <const ucs2 *> data, len(text), kind)
    return _collapse(text, <const ucs4 *> data, len(text), kind)


cdef str _collapse(str text, const code_unit *data, Py_ssize_t n, int kind):
    cdef Py_ssize_t i, j = 0
    cdef ucs4 ch
    cdef code_unit *out
    cdef bint gap = True  # at the start, as after a space: leading whitespace is dropped
    for i in range(n):
        ch = data[i]
        if ch == 0x20 and not gap:
            gap = True
        elif _is_space(ch):
            break
        else:
            gap = False
    else:
        if not gap or n == 0:
            return text
    out = <code_unit *> malloc(n * sizeof(code_unit))
    if out == NULL:
        raise MemoryError()
    try:
        gap = False
        for i in range(n):
            ch = data[i]
            if _is_space(ch):
                gap = j > 0
            else:
                if gap:
                    out[j] = 0x20
                    j += 1
                    gap = False
                out[j] = <code_unit> ch
                j += 1
        return PyUnicode_FromKindAndData(kind, out, j)
    finally:
        free(out)


cpdef str line_breaks(str text):
    """`walk._BR_RUN.sub(walk._br_replacement, text)` for a collapsed paragraph: each run of
    `<br>` marks, with a space before, between or after them, becomes a line break, or a blank
    line for two or more. One-byte text (nearly all) is read once here instead of by a regex
    that calls back into Python for each run; other text goes to the regex."""
    cdef Py_ssize_t n = len(text), i = 0, j = 0, start, marks
    cdef const unsigned char *data
    cdef unsigned char *out
    if PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND:
        return BR_RUN.sub(br_replacement, text)
    data = <const unsigned char *> PyUnicode_DATA(text)
    out = <unsigned char *> malloc(n + 1)  # a run of k >= 1 characters becomes at most 2
    if out == NULL:
        raise MemoryError()
    try:
        while i < n:
            # a run begins at a mark, or at a space before one (the regex's leftmost match)
            if data[i] == 0 or (data[i] == 0x20 and i + 1 < n and data[i + 1] == 0):
                start = i
                if data[i] == 0x20:
                    i += 1
                marks = 0
                while True:  # mark, then (space? mark)*
                    marks += 1
                    i += 1
                    if i < n and data[i] == 0:
                        continue
                    if i + 1 < n and data[i] == 0x20 and data[i + 1] == 0:
                        i += 1
                        continue
                    break
                if i < n and data[i] == 0x20:  # the space after the run
                    i += 1
                out[j] = 0x0A
                j += 1
                if marks > 1:
                    out[j] = 0x0A
                    j += 1
            else:
                out[j] = data[i]
                j += 1
                i += 1
        return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, out, j)
    finally:
        free(out)


cdef int _flush_prose(object builder, list buf, list items, Py_ssize_t box, Py_ssize_t link_depth) except -1:
    """`SegmentBuilder.flush` outside `<pre>`, the walk's common case (a `<pre>` paragraph is
    ended by the builder's own method). The walk has checked that `buf` holds something."""
    cdef str text
    if link_depth:  # a paragraph ends inside a link: what it held of the link is link text
        builder.link_chars += len(collapse("".join(buf[builder.link_mark:])))
        builder.link_mark = 0
    text = collapse("".join(buf))
    del buf[:]
    if BR_MARK in text:
        text = line_breaks(text).strip(" \n")
    if text:
        items.append((IT_PARA, text, box, builder.link_chars, builder.para_links))
        builder.para_links = 0
    builder.link_chars = 0
    return 0


cdef Py_ssize_t _count_p(void *root, Py_ssize_t enough) noexcept nogil:
    """How many `<p>` the subtree at `root` holds, `root` included, counted up to `enough`: below
    `enough`, what `len(node.css("p"))` says (lexbor's selector walk visits the same nodes in the
    same way, root first, and matches a type selector by tag number), without parsing a selector
    and making a `LexborNode` of every match (~20,000 instructions a call: guards 5 and 6 asked
    it of 15 elements a page on the 199 KB benchmark pages)."""
    cdef Py_ssize_t count = 0
    cdef void *node = root
    cdef void *following
    while True:
        if lx_tag_id(node) == T_P:
            count += 1
            if count >= enough:
                return count
        following = lx_first_child(node)
        if following == NULL:
            while node != root and lx_next(node) == NULL:
                node = lx_parent(node)
            if node == root:
                return count
            following = lx_next(node)
        node = following


def count_p(node, Py_ssize_t enough) -> int:
    """`_count_p` of a `LexborNode`, for tests/pipeline/extract/test_cwalk.py."""
    return _count_p(<void *> <uintptr_t> node.mem_id, enough)


cdef inline int _main_flags(dict attrs, int flags):
    """`flags` with F_SECTION and F_MAIN added when the element is `[role=main]`."""
    if "role" in attrs and is_main_role(attrs):
        return flags | F_SECTION | F_MAIN
    return flags


def walk(root, str base, int max_depth, set protected, bint explain=False):
    """`weft.pipeline.extract.walk.walk`, compiled: the same arguments, the same result."""
    builder = SegmentBuilder(explain)
    cdef list buf = builder.buf
    flush = builder.flush
    cdef list box_parent = builder.box_parent
    cdef list box_tag = builder.box_tag
    cdef list box_attrs = builder.box_attrs
    cdef list box_end = builder.box_end
    cdef list mains = builder.mains
    cdef list items = builder.items
    cdef dict custom = {}
    parser = root.parser
    cdef Py_ssize_t box = 0, depth = 0, room = max_depth - 1
    cdef Py_ssize_t pre_depth = 0, link_depth = 0, section_depth = 0, capped = 0, page_p_chars = -1
    cdef void *node = lx_first_child(<void *> <uintptr_t> root.mem_id)
    cdef void *child
    cdef void *following
    cdef uintptr_t tid
    cdef int kind, flags, said, saying
    cdef dict attrs
    cdef Py_ssize_t capacity = room if room > 0 else 1
    cdef void **stack_node = <void **> malloc(capacity * sizeof(void *))
    cdef int *stack_flags = <int *> malloc(capacity * sizeof(int))
    if stack_node == NULL or stack_flags == NULL:
        free(stack_node)
        free(stack_flags)
        raise MemoryError()
    try:
        while node != NULL:
            tid = lx_tag_id(node)
            if tid == T_TEXT:
                _take(buf, node, pre_depth)
            else:
                if tid < <uintptr_t> N_KINDS:
                    kind = KINDS[tid]
                else:
                    kind = _custom_kind(custom, tid, node, parser)
                if kind != K_SKIP:
                    attrs = _attributes(node, &saying)
                    if saying:
                        said = _boilerplate_kind(attrs, saying)
                        if said and not (tid in NEVER_REMOVED or <uintptr_t> node in protected):
                            kind = K_SKIP
                            if said == B_TOKEN or said == B_HIDDEN:
                                # Guard 6 (boilerplate): a wrapper holding most of the page's paragraph text is content.
                                if (_count_p(node, WRAPPER_MIN_P) >= WRAPPER_MIN_P
                                        and len(paragraphs := _node(node, parser).css("p")) >= WRAPPER_MIN_P):
                                    if page_p_chars < 0:
                                        page_p_chars = paragraph_chars(root.css("p"))
                                    if 2 * paragraph_chars(paragraphs) > page_p_chars:
                                        kind = KINDS[tid] if tid < <uintptr_t> N_KINDS else _custom_kind(custom, tid, node, parser)
                            if kind == K_SKIP and explain:
                                builder.skipped(skip_reason(said, attrs), _node(node, parser))
                    if kind == K_INLINE:
                        if tid == T_A and "href" in attrs:
                            builder.para_links += 1
                            child = lx_first_child(node)
                            if child != NULL and depth < room and lx_tag_id(child) == T_TEXT and lx_next(child) == NULL:
                                # A link that holds only text: taken here and, outside other
                                # links, counted as link text at once, without a stack entry.
                                piece = _take(buf, child, pre_depth)
                                if piece is not None and not link_depth:
                                    builder.link_chars += len(collapse(piece))
                                flags = -1
                            elif not link_depth:
                                builder.link_mark = len(buf)
                                link_depth = 1
                                builder.link_depth = 1
                                flags = F_LINK
                            else:
                                link_depth += 1
                                builder.link_depth = link_depth
                                flags = F_LINK
                        else:
                            flags = 0
                    elif kind == K_BLOCK:
                        if buf and pre_depth == 0:
                            _flush_prose(builder, buf, items, box, link_depth)
                        flags = _main_flags(attrs, F_BLOCK)
                    elif kind == K_IMG:
                        emit_image(builder, attrs, (), base)
                        flags = -1
                    elif kind == K_SKIP:
                        flags = -1
                    elif kind == K_LANDMARK:
                        if ((tid == T_HEADER and section_depth) or <uintptr_t> node in protected
                                or (tid == T_FORM and _count_p(node, FORM_CONTENT_MIN_P) >= FORM_CONTENT_MIN_P)):
                            if buf and pre_depth == 0:
                                _flush_prose(builder, buf, items, box, link_depth)
                            flags = _main_flags(attrs, F_BLOCK)
                        else:
                            if explain:
                                landmark = _node(node, parser)
                                builder.skipped(f"tag:{landmark.tag}", landmark)
                            flags = -1
                    elif kind == K_SECTION:
                        if buf and pre_depth == 0:
                            _flush_prose(builder, buf, items, box, link_depth)
                        flags = F_BLOCK | F_SECTION | F_MAIN if tid != T_SECTION else _main_flags(attrs, F_BLOCK | F_SECTION)
                    elif kind == K_BR:
                        buf.append("\n" if pre_depth else BR_MARK)
                        flags = -1
                    elif kind == K_FIGURE:
                        if buf and pre_depth == 0:
                            _flush_prose(builder, buf, items, box, link_depth)
                        move_leading_figcaption(_node(node, parser))
                        flags = F_BLOCK | F_MAIN if "role" in attrs and is_main_role(attrs) else F_BLOCK
                    elif kind == K_PICTURE:
                        img, sources = picture_parts(_node(node, parser))
                        if img is None and not sources:
                            flags = 0
                        else:
                            emit_image(builder, img or {}, sources, base)
                            flags = -1
                    elif kind == K_NOSCRIPT:
                        img = noscript_image(_node(node, parser))
                        if img is not None:
                            emit_image(builder, img, (), base, True)
                        flags = -1
                    else:  # K_PRE
                        if buf:
                            flush()
                        flags = F_BLOCK | F_PRE | F_MAIN if "role" in attrs and is_main_role(attrs) else F_BLOCK | F_PRE
                    if flags >= 0:
                        child = lx_first_child(node)
                        if child != NULL:
                            if depth < room:
                                if flags == 0 and lx_tag_id(child) == T_TEXT and lx_next(child) == NULL:
                                    # An inline element that holds only text: taken here, no stack entry.
                                    _take(buf, child, pre_depth)
                                else:
                                    if flags & F_BLOCK:
                                        builder.box = len(box_parent)
                                        box_parent.append(box)
                                        box_tag.append(tid)
                                        box_attrs.append(attrs)
                                        box_end.append(0)
                                        box = len(box_parent) - 1
                                        if flags > F_BLOCK:
                                            if flags & F_PRE:
                                                pre_depth += 1
                                                builder.pre_depth = pre_depth
                                            if flags & F_SECTION:
                                                section_depth += 1
                                            if flags & F_MAIN:
                                                mains.append(box)
                                    stack_node[depth] = node
                                    stack_flags[depth] = flags
                                    depth += 1
                                    node = child
                                    continue
                            else:
                                capped += 1
                                if flags & F_BLOCK:
                                    if buf and pre_depth == 0:
                                        _flush_prose(builder, buf, items, box, link_depth)
                                elif flags:  # an <a href> whose text the depth cap keeps out
                                    link_depth -= 1
                                    builder.link_depth = link_depth
                        elif flags & F_BLOCK:
                            if buf and pre_depth == 0:
                                _flush_prose(builder, buf, items, box, link_depth)
                        elif flags:  # an <a href> with nothing inside
                            link_depth -= 1
                            builder.link_depth = link_depth
            # Advance: the next sibling, else leave ancestors until one has a next sibling.
            while True:
                following = lx_next(node)
                if following != NULL:
                    node = following
                    break
                if depth == 0:
                    node = NULL
                    break
                depth -= 1
                node = stack_node[depth]
                flags = stack_flags[depth]
                if flags:
                    if flags & F_BLOCK:
                        if flags & F_PRE:
                            if buf:
                                flush()
                            pre_depth -= 1
                            builder.pre_depth = pre_depth
                        elif buf and pre_depth == 0:
                            _flush_prose(builder, buf, items, box, link_depth)
                        if flags & F_SECTION:
                            section_depth -= 1
                        box_end[box] = len(box_parent)
                        box = box_parent[box]
                        builder.box = box
                    else:  # an <a href> ends
                        link_depth -= 1
                        builder.link_depth = link_depth
                        if not link_depth:
                            builder.link_ended()
    finally:
        free(stack_node)
        free(stack_flags)
    builder.finish()
    return builder, capped


# ----- guard 2's protected elements ------------------------------------------------------------


cdef bint _role_is_main(void *node) noexcept nogil:
    """Whether an element matches `[role="main" i]` as lexbor's selectors match it: its first
    attribute whose local name is `role` (lexbor finds it by the name's id) has the value `main`,
    ASCII letters in any case, and nothing else."""
    cdef void *attr = lx_first_attr(node)
    cdef const unsigned char *text
    cdef size_t length
    while attr != NULL:
        length = 0
        text = lx_attr_local_name(attr, &length)
        if text != NULL and length == 4 and memcmp(text, b"role", 4) == 0:
            length = 0
            text = lx_attr_value(attr, &length)
            return (text != NULL and length == 4 and text[0] | 0x20 == 109 and text[1] | 0x20 == 97
                    and text[2] | 0x20 == 105 and text[3] | 0x20 == 110)  # m a i n
        attr = lx_next_attr(attr)
    return False


cdef object _base_href(void *node):
    """The value of a `<base>`'s `href` attribute, or None (no `href`, or one without a value)."""
    cdef void *attr = lx_first_attr(node)
    cdef const unsigned char *text
    cdef size_t length
    while attr != NULL:
        length = 0
        text = lx_attr_name(attr, &length)
        if length == 4 and memcmp(text, b"href", 4) == 0:
            length = 0
            text = lx_attr_value(attr, &length)
            return _decode(text, length) if text != NULL else None
        attr = lx_next_attr(attr)
    return None


def protected_ids_and_base(tree) -> tuple[set[int], str | None]:
    """`boilerplate.protected_ids_and_base`, in one pass of C over the document instead of three
    tag lookups and a selector (0.45 M instructions a page on the 199 KB benchmark pages, most
    of it lexbor matching `[role="main" i]` against every element): the same `main`, content
    `article` and `[role="main" i]` elements with all their ancestors (the document node too,
    as `LexborNode.parent` reaches it), and the first `<base>` with an `href` that has a value.
    Elements are visited as lexbor's tag lookups and selectors visit them, in document order
    from the root element, `<template>` contents not included."""
    cdef set protected = set()
    cdef void *top
    cdef void *node
    cdef void *current
    cdef uintptr_t tid
    cdef int saying
    cdef bint base_found = False
    base_href = None
    root = tree.root
    if root is None:
        return protected, base_href
    top = <void *> <uintptr_t> root.mem_id
    node = top
    while True:
        if lx_node_type(node) == NODE_ELEMENT:
            tid = lx_tag_id(node)
            if tid == T_BASE and not base_found:
                base_href = _base_href(node)
                base_found = base_href is not None
            if ((tid == T_MAIN or tid == T_ARTICLE or _role_is_main(node))
                    and not (tid == T_ARTICLE and boilerplate_kind(_attributes(node, &saying)))):
                current = node
                while current != NULL:
                    key = <uintptr_t> current
                    if key in protected:
                        break
                    protected.add(key)
                    current = lx_parent(current)
        current = lx_first_child(node)
        if current == NULL:
            while node != top and lx_next(node) == NULL:
                node = lx_parent(node)
            if node == top:
                break
            current = lx_next(node)
        node = current
    return protected, base_href


# ----- the import checks ---------------------------------------------------------------------

_PROBE = """<html><body class="has-sidebar">
<header><a href="/">Site</a> name</header><nav><a href="/a">Home</a></nav>
<main><article><header><h1>The <b>title</b></h1><p>By <a href="/me">an author</a>, today</p></header>
<section role="main"><p>First paragraph, with a <a href="/l"><i>nested</i> link</a> and text.<br>Line
two.<br> <br>Next &amp; \u00e9t\u00e9 \u2014 done.</p>
<figure><figcaption>Caption first</figcaption><img src="a.jpg" alt="A" width="300" height="200"></figure>
<picture><source srcset="b.webp 2x" type="image/webp"><img src="b.jpg"></picture>
<img data-src="lazy.jpg" src="blank.gif"><noscript><img src="real.jpg"></noscript>
<amp-img src="amp.jpg" width="400" height="300"><noscript><img src="amp.jpg"></noscript></amp-img>
<pre role="main">  code
   indented  </pre>
<div class="share-bar"><p>Share this</p></div><div style="display:none">hidden text</div>
<ul><li>one</li><li>two <span>three</span> <em> </em></li></ul>
<table><tr><td>cell</td><td>cell <a href="/t">two</a> <a href="/u"> </a></td></tr></table>
<img src="t.gif" width="1" height="1"><img alt="no source"><img src="javascript:x()">
<form><p>one</p><p>two</p><p>three</p></form><form><input value="x"></form>
<script>var x;</script><!-- a comment --><my-widget>custom text</my-widget><a href="/empty"></a>
<div class="sidebar"><p>Long wrapper text one.</p><p>Long wrapper text two.</p><p>Long wrapper
text three, which is most of the page's paragraph text by far, longer than all the rest.</p></div>
</section></article></main>
<div id="comments"><p>A comment</p></div><footer>Footer text</footer>
<div><div><div><div><div><p>deep <a href="/d"><b>link</b> text</a></p></div></div></div></div></div>
</body></html>"""


def _check_layout() -> None:
    """The text layout assumed in `_take`, against selectolax's own reading of the same nodes:
    lengths first (so a wrong layout is caught before its pointer is followed), then bytes."""
    tree = LexborHTMLParser("<p>a</p><p>two words</p><pre>\n  three, \u00e9t\u00e9 </pre>x")
    cdef lx_str *text
    nodes = [node for node in tree.body.traverse(include_text=True) if node.tag == "-text"]
    expected = [node.text_content.encode() for node in nodes]
    if len(expected) != 4:
        raise ImportError("the layout probe did not parse as expected")
    for node, want in zip(nodes, expected):
        if (<lx_character_data *> <void *> <uintptr_t> node.mem_id).data.length != len(want):
            raise ImportError("lexbor's text node layout differs from the one the compiled walk reads")
    for node, want in zip(nodes, expected):
        text = &(<lx_character_data *> <void *> <uintptr_t> node.mem_id).data
        if memcmp(text.data, <const char *> want, len(want)) != 0:
            raise ImportError("lexbor's text node layout differs from the one the compiled walk reads")


def _state(builder, capped):
    """Everything a walk hands on, comparable across two parses of the same page."""
    items = [item if item[0] != _py.IT_SKIPPED else (item[0], item[1], item[2].tag, item[2].text(), item[3])
             for item in builder.items]
    return (items, builder.box_parent, builder.box_tag, builder.box_attrs, builder.box_end, builder.mains, capped)


def _check_walk() -> None:
    """This walk against the Python walk on a probe page that takes every branch, whole and
    with a depth cap, with and without explain."""
    from weft.pipeline.extract.boilerplate import protected_ids_and_base

    for max_depth in (512, 6):
        for explain in (False, True):
            states = []
            for walker in (_py.walk, walk):
                tree = LexborHTMLParser(_PROBE)
                protected, _ = protected_ids_and_base(tree)
                states.append(_state(*walker(tree.body, "https://example.com/a/b", max_depth, protected, explain)))
            if states[0] != states[1]:
                raise ImportError(f"the compiled walk differs from the Python walk on the probe page "
                                  f"(max_depth={max_depth}, explain={explain})")


def _check_protected() -> None:
    """`protected_ids_and_base` against `boilerplate.protected_ids_and_base` on the probe page
    and on one with every way of being protected (and of not being)."""
    from weft.pipeline.extract.boilerplate import protected_ids_and_base as reference

    for html in (_PROBE, '<base href><base href="/b/"><main><div role=MAIN><article class=comment>c</article>'
                         '<svg><g xlink:role="main"></g></svg><template><main></main></template></div></main>'
                         '<div role=" main"><article><p>a</p></article></div>'):
        tree = LexborHTMLParser(html)
        if protected_ids_and_base(tree) != reference(tree):
            raise ImportError("the compiled search for protected elements differs from the Python one")


_check_layout()
_check_walk()
_check_protected()
