# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""fastText's supervised prediction, compiled, for quantized hierarchical-softmax models such as
lid.176.ftz: the same answer as `fasttext.FastText.predict(text, k=-1, threshold=0.0)`, bit for
bit, at a fraction of its cost.

Why it exists: language ID was a fifth of a text job's time (issue 12). fastText spends it on
bookkeeping, not arithmetic: a `std::string` for every character n-gram, a `std::unordered_map`
lookup for each, a `stringstream` copy of the text, and 176 label strings and tuples handed to
Python on every call when the rule needs two numbers. This module reads the same model file and
runs the same steps without those: n-gram hashes are computed in place as each character is
appended, and the vectors are added as they are found.

What "the same" takes, step by step, from fastText 0.9.2 (fasttext-predict's copy):
- tokens are split on the bytes fastText splits on (space, \\n, \\r, \\t, \\v, \\f, \\0); a
  literal `</s>` token ends the line as fastText's reader does, and a token starting with
  `__label__` is a label, not a word;
- an in-vocabulary word adds its own row and its n-grams' rows, an out-of-vocabulary one its
  n-grams' rows: FNV-1a over signed bytes, modulo the bucket count, through the model's pruning
  map, in fastText's order;
- the hidden vector is the float32 sum of the product-quantized rows in that order, times
  `float(1.0 / count)`;
- the hierarchical softmax tree is rebuilt from the label counts as fastText builds it, and the
  search prunes at `log(threshold + 1e-5)` with fastText's float/double conversions (`std_log`,
  `1. / (1 + expf(-f))`).

The extension is built with `-ffp-contract=off`, so no fused multiply-add changes a rounding.
Anything this module does not reproduce exactly it declines, returning None, and the caller asks
fastText: a tie for the top label (the order fastText's heap leaves equal scores in is its own),
text with a newline or that UTF-8 cannot encode (fastText raises for both), a NaN. A model of a
layout it does not handle (dense input rows, quantized output, word n-grams, another loss) is
refused when it is loaded. `weft.filters.language` also compares both on probe texts before it
uses this module, and the tests compare them on every real page they have.
"""

from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.math cimport expf, log, isnan
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy

import struct

cdef uint32_t FNV_OFFSET = 2166136261u
cdef uint32_t FNV_PRIME = 16777619u
cdef int KSUB = 256
cdef float ONE = 1
cdef int32_t MAGIC = 793712314
cdef int32_t VERSION = 12
cdef int LOSS_HS = 1
cdef int MODEL_SUP = 3
cdef int TYPE_WORD = 0


cdef inline bint _separator(uint8_t c) noexcept nogil:
    return c == 32 or c == 10 or c == 13 or c == 9 or c == 11 or c == 12 or c == 0


cdef inline uint32_t _fnv(const uint8_t *data, Py_ssize_t length) noexcept nogil:
    cdef uint32_t h = FNV_OFFSET
    cdef Py_ssize_t i
    for i in range(length):
        h = (h ^ <uint32_t><int8_t>data[i]) * FNV_PRIME
    return h


cdef inline float _std_log(float x) noexcept nogil:
    return <float>log(<double>x + 1e-5)


class ModelLayoutError(ValueError):
    """The model file is not one this module reproduces fastText on; use fastText for it."""


cdef class _Reader:
    """Little-endian fields of a fastText model file, in fastText's order."""
    cdef bytes data
    cdef Py_ssize_t at

    def __init__(self, bytes data):
        self.data = data
        self.at = 0

    cdef tuple take(self, str fmt):
        size = struct.calcsize("<" + fmt)
        if self.at + size > len(self.data):
            raise ModelLayoutError("the model file ends early")
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += size
        return values

    cdef bytes raw(self, Py_ssize_t size):
        if size < 0 or self.at + size > len(self.data):
            raise ModelLayoutError("the model file ends early")
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk

    cdef bytes cstring(self):
        end = self.data.find(b"\0", self.at)
        if end < 0:
            raise ModelLayoutError("the model file ends early")
        word = self.data[self.at:end]
        self.at = end + 1
        return word


cdef class _Quantizer:
    """fastText's ProductQuantizer: `dim` values as `nsubq` sub-vectors, 256 centroids each."""
    cdef int dim, nsubq, dsub, lastdsub
    cdef float *centroids

    def __cinit__(self):
        self.centroids = NULL

    def __dealloc__(self):
        free(self.centroids)

    cdef void load(self, _Reader reader) except *:
        self.dim, self.nsubq, self.dsub, self.lastdsub = reader.take("4i")
        if self.dim <= 0 or self.nsubq <= 0 or self.dsub <= 0 or self.lastdsub <= 0 or \
                (self.nsubq - 1) * self.dsub + self.lastdsub != self.dim:
            raise ModelLayoutError("inconsistent product quantizer")
        data = reader.raw(4 * self.dim * KSUB)
        self.centroids = <float *> malloc(4 * self.dim * KSUB)
        if self.centroids == NULL:
            raise MemoryError()
        memcpy(self.centroids, <const char *> data, 4 * self.dim * KSUB)

    cdef inline const float *get(self, int m, uint8_t i) noexcept nogil:
        if m == self.nsubq - 1:
            return &self.centroids[m * KSUB * self.dsub + i * self.lastdsub]
        return &self.centroids[(m * KSUB + i) * self.dsub]


cdef class Predictor:
    """A loaded model; `scores` answers what the English rule asks of fastText."""
    cdef readonly list labels
    cdef readonly int dim
    cdef int nwords, nlabels, minn, maxn, bucket, size, eos_id
    cdef int64_t prune_size
    # vocabulary: open-addressed table of word ids, their bytes, types and rows (own row + n-grams)
    cdef int32_t *table
    cdef uint32_t table_mask
    cdef uint32_t *word_hash
    cdef bytes word_bytes
    cdef const char *word_data
    cdef int32_t *word_start
    cdef uint8_t *word_type
    cdef int32_t *rows
    cdef int32_t *rows_start
    # pruning map: n-gram bucket -> row, open-addressed
    cdef int32_t *prune_keys
    cdef int32_t *prune_values
    cdef uint32_t prune_mask
    # input matrix (product-quantized, with quantized norms) and output matrix (dense)
    cdef int64_t in_rows
    cdef uint8_t *codes
    cdef uint8_t *norm_codes
    cdef _Quantizer pq, npq
    cdef float *out
    cdef int32_t *left
    cdef int32_t *right
    cdef float *hidden
    cdef float *leaf_score
    cdef uint8_t *leaf_seen

    def __cinit__(self):
        self.table = NULL
        self.word_hash = NULL
        self.word_start = NULL
        self.word_type = NULL
        self.rows = NULL
        self.rows_start = NULL
        self.prune_keys = NULL
        self.prune_values = NULL
        self.codes = NULL
        self.norm_codes = NULL
        self.out = NULL
        self.left = NULL
        self.right = NULL
        self.hidden = NULL
        self.leaf_score = NULL
        self.leaf_seen = NULL

    def __dealloc__(self):
        free(self.table)
        free(self.word_hash)
        free(self.word_start)
        free(self.word_type)
        free(self.rows)
        free(self.rows_start)
        free(self.prune_keys)
        free(self.prune_values)
        free(self.codes)
        free(self.norm_codes)
        free(self.out)
        free(self.left)
        free(self.right)
        free(self.hidden)
        free(self.leaf_score)
        free(self.leaf_seen)

    def __init__(self, bytes data):
        """Parse a fastText model file's bytes; ModelLayoutError for a layout not reproduced."""
        cdef _Reader reader = _Reader(data)
        magic, version = reader.take("2i")
        if magic != MAGIC or version != VERSION:
            raise ModelLayoutError("not a fastText model of version 12")
        (self.dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, self.bucket, self.minn,
         self.maxn, _lr_update) = reader.take("12i")
        reader.take("d")
        if model != MODEL_SUP or loss != LOSS_HS or word_ngrams > 1:
            raise ModelLayoutError("only supervised hierarchical-softmax models without word n-grams are compiled")
        if self.dim <= 0 or self.bucket <= 0:
            raise ModelLayoutError("inconsistent arguments")
        self.size, self.nwords, self.nlabels = reader.take("3i")
        _ntokens, self.prune_size = reader.take("2q")
        if self.nlabels <= 0 or self.size != self.nwords + self.nlabels:
            raise ModelLayoutError("inconsistent dictionary")
        words = []
        types = []
        counts = []
        for _ in range(self.size):
            word = reader.cstring()
            count, kind = reader.take("qb")
            words.append(word)
            types.append(kind)
            counts.append(count)
        if any(types[i] != TYPE_WORD for i in range(self.nwords)) or \
                any(types[i] == TYPE_WORD for i in range(self.nwords, self.size)):
            raise ModelLayoutError("words and labels are not in fastText's order")
        prune = {}
        for _ in range(max(self.prune_size, 0)):
            key, value = reader.take("2i")
            prune[key] = value
        quantized, = reader.take("?")
        if not quantized:
            raise ModelLayoutError("dense input rows are not compiled")
        qnorm, self.in_rows, n, codesize = reader.take("?qqi")
        if n != self.dim or self.in_rows < self.nwords or codesize < 0:
            raise ModelLayoutError("input rows do not match the dictionary")
        codes = reader.raw(codesize)
        self.pq = _Quantizer()
        self.pq.load(reader)
        if self.pq.dim != self.dim or codesize != self.in_rows * self.pq.nsubq:
            raise ModelLayoutError("inconsistent input quantizer")
        self.codes = <uint8_t *> malloc(max(codesize, 1))
        memcpy(self.codes, <const char *> codes, codesize)
        if qnorm:
            norm_codes = reader.raw(self.in_rows)
            self.npq = _Quantizer()
            self.npq.load(reader)
            if self.npq.dim != 1:
                raise ModelLayoutError("inconsistent norm quantizer")
            self.norm_codes = <uint8_t *> malloc(max(self.in_rows, 1))
            memcpy(self.norm_codes, <const char *> norm_codes, self.in_rows)
        qout, = reader.take("?")
        if qout:
            raise ModelLayoutError("quantized output rows are not compiled")
        out_rows, out_cols = reader.take("2q")
        if out_rows != self.nlabels or out_cols != self.dim:
            raise ModelLayoutError("output rows do not match the labels")
        out = reader.raw(4 * out_rows * out_cols)
        if reader.at != len(data):
            raise ModelLayoutError("unexpected bytes after the output matrix")
        self.out = <float *> malloc(4 * out_rows * out_cols)
        memcpy(self.out, <const char *> out, 4 * out_rows * out_cols)
        self._build_vocabulary(words, types, prune)
        self._build_tree(counts[self.nwords:])
        self.labels = [w.decode("utf-8", "replace") for w in words[self.nwords:]]
        self.hidden = <float *> malloc(4 * self.dim)
        self.leaf_score = <float *> malloc(4 * self.nlabels)
        self.leaf_seen = <uint8_t *> malloc(self.nlabels)

    cdef void _build_vocabulary(self, list words, list types, dict prune) except *:
        cdef uint32_t slots = 1
        cdef int32_t i
        cdef uint32_t at
        while slots < 2 * <uint32_t> self.size:
            slots <<= 1
        self.table_mask = slots - 1
        self.table = <int32_t *> malloc(4 * slots)
        for at in range(slots):
            self.table[at] = -1
        self.word_hash = <uint32_t *> malloc(4 * self.size)
        self.word_start = <int32_t *> malloc(4 * (self.size + 1))
        self.word_type = <uint8_t *> malloc(self.size)
        self.word_bytes = b"".join(words)
        self.word_data = <const char *> self.word_bytes
        offset = 0
        for i in range(self.size):
            self.word_start[i] = offset
            offset += len(words[i])
            self.word_type[i] = types[i]
            self.word_hash[i] = _fnv(<const uint8_t *> <char *> words[i], len(words[i]))
            at = self.word_hash[i] & self.table_mask
            while self.table[at] != -1:
                at = (at + 1) & self.table_mask
            self.table[at] = i
        self.word_start[self.size] = offset
        # the pruning map
        slots = 1
        while slots < 2 * <uint32_t> max(len(prune), 1):
            slots <<= 1
        self.prune_mask = slots - 1
        self.prune_keys = <int32_t *> malloc(4 * slots)
        self.prune_values = <int32_t *> malloc(4 * slots)
        for at in range(slots):
            self.prune_keys[at] = -1
        for key, value in prune.items():
            if key < 0 or value < 0 or self.nwords + value >= self.in_rows:
                raise ModelLayoutError("pruning map out of range")
            at = (<uint32_t> key * 2654435761u) & self.prune_mask
            while self.prune_keys[at] != -1:
                at = (at + 1) & self.prune_mask
            self.prune_keys[at] = key
            self.prune_values[at] = value
        if self.prune_size < 0 and self.in_rows < <int64_t> self.nwords + self.bucket:
            raise ModelLayoutError("input rows do not cover the buckets")
        # each word's rows, as fastText's initNgrams lists them: its own, then its n-grams'
        rows = []
        starts = [0]
        cdef list found
        for i in range(self.size):
            found = [i]
            if words[i] != b"</s>":
                self._subword_rows(b"<" + words[i] + b">", found)
            rows.extend(found)
            starts.append(len(rows))
        self.rows = <int32_t *> malloc(4 * max(len(rows), 1))
        self.rows_start = <int32_t *> malloc(4 * len(starts))
        for i, row in enumerate(rows):
            self.rows[i] = row
        for i, row in enumerate(starts):
            self.rows_start[i] = row
        self.eos_id = self._lookup(<const uint8_t *> b"</s>", 4, _fnv(<const uint8_t *> b"</s>", 4))

    cdef void _subword_rows(self, bytes word, list found) except *:
        """The rows of a vocabulary word's n-grams, collected (once, at load)."""
        self._ngrams(<const uint8_t *> <char *> word, len(word), found)

    cdef void _build_tree(self, list counts) except *:
        """fastText's HierarchicalSoftmaxLoss::buildTree: a Huffman tree over the label counts
        (sorted, most frequent first, as the dictionary stores them)."""
        cdef int osz = self.nlabels, i, j, leaf, node
        cdef int mini[2]
        tree_count = [1e15] * (2 * osz - 1)
        for i in range(osz):
            tree_count[i] = counts[i]
        self.left = <int32_t *> malloc(4 * (2 * osz - 1))
        self.right = <int32_t *> malloc(4 * (2 * osz - 1))
        for i in range(2 * osz - 1):
            self.left[i] = -1
            self.right[i] = -1
        leaf = osz - 1
        node = osz
        for i in range(osz, 2 * osz - 1):
            for j in range(2):
                if leaf >= 0 and tree_count[leaf] < tree_count[node]:
                    mini[j] = leaf
                    leaf -= 1
                else:
                    mini[j] = node
                    node += 1
            self.left[i] = mini[0]
            self.right[i] = mini[1]
            tree_count[i] = tree_count[mini[0]] + tree_count[mini[1]]

    cdef inline int32_t _lookup(self, const uint8_t *token, Py_ssize_t length, uint32_t h) noexcept nogil:
        cdef uint32_t at = h & self.table_mask
        cdef int32_t wid
        cdef int32_t start
        while True:
            wid = self.table[at]
            if wid == -1:
                return -1
            start = self.word_start[wid]
            if self.word_hash[wid] == h and self.word_start[wid + 1] - start == length and \
                    memcmp(self.word_data + start, token, length) == 0:
                return wid
            at = (at + 1) & self.table_mask

    cdef inline int32_t _bucket_row(self, int32_t bucket) noexcept nogil:
        """fastText's pushHash: the input row of an n-gram bucket, or -1 when pruned away."""
        cdef uint32_t at
        if self.prune_size == 0:
            return -1
        if self.prune_size < 0:
            return self.nwords + bucket
        at = (<uint32_t> bucket * 2654435761u) & self.prune_mask
        while self.prune_keys[at] != -1:
            if self.prune_keys[at] == bucket:
                return self.nwords + self.prune_values[at]
            at = (at + 1) & self.prune_mask
        return -1

    cdef inline void _add_row(self, int32_t row) noexcept nogil:
        """QuantMatrix::addRowToVector: hidden += norm * the row's centroids, in fastText's order."""
        cdef float norm = 1
        cdef const uint8_t *code = self.codes + <int64_t> self.pq.nsubq * row
        cdef const float *c
        cdef int m, n, d = self.pq.dsub
        if self.norm_codes != NULL:
            norm = self.npq.get(0, self.norm_codes[row])[0]
        for m in range(self.pq.nsubq):
            c = self.pq.get(m, code[m])
            if m == self.pq.nsubq - 1:
                d = self.pq.lastdsub
            for n in range(d):
                self.hidden[m * self.pq.dsub + n] += norm * c[n]

    cdef Py_ssize_t _oov(self, const uint8_t *token, Py_ssize_t length, uint8_t *word) except -1:
        """Add an out-of-vocabulary token's n-gram rows (those of "<token>"); returns how many."""
        word[0] = 60  # "<"
        memcpy(word + 1, token, length)
        word[length + 1] = 62  # ">"
        return self._ngrams(word, length + 2, None)

    cdef Py_ssize_t _ngrams(self, const uint8_t *word, Py_ssize_t wlen, list found) except -1:
        """fastText's computeSubwords, hashing each n-gram as it grows, not as a string: the rows
        of `word`'s n-grams appended to `found`, or added to the hidden vector when `found` is
        None; returns how many."""
        cdef Py_ssize_t i, j, rows = 0
        cdef int n
        cdef uint32_t h
        cdef int32_t row
        for i in range(wlen):
            if (word[i] & 0xC0) == 0x80:
                continue
            h = FNV_OFFSET
            j = i
            n = 1
            while j < wlen and n <= self.maxn:
                h = (h ^ <uint32_t><int8_t>word[j]) * FNV_PRIME
                j += 1
                while j < wlen and (word[j] & 0xC0) == 0x80:
                    h = (h ^ <uint32_t><int8_t>word[j]) * FNV_PRIME
                    j += 1
                if n >= self.minn and not (n == 1 and (i == 0 or j == wlen)):
                    row = self._bucket_row(<int32_t> (h % <uint32_t> self.bucket))
                    if row >= 0:
                        if found is None:
                            self._add_row(row)
                        else:
                            found.append(row)
                        rows += 1
                n += 1
        return rows

    cdef Py_ssize_t _hidden(self, const uint8_t *text, Py_ssize_t length, uint8_t *scratch) except -1:
        """fastText's getLine + computeHidden (before the division): rows added, in order."""
        cdef Py_ssize_t i = 0, start, count = 0, k
        cdef uint32_t h
        cdef int32_t wid
        for k in range(self.dim):
            self.hidden[k] = 0
        while True:
            while i < length and _separator(text[i]):
                i += 1
            if i >= length:
                break
            start = i
            while i < length and not _separator(text[i]):
                i += 1
            h = _fnv(text + start, i - start)
            wid = self._lookup(text + start, i - start, h)
            if wid >= 0:
                if self.word_type[wid] == TYPE_WORD:
                    for k in range(self.rows_start[wid], self.rows_start[wid + 1]):
                        self._add_row(self.rows[k])
                    count += self.rows_start[wid + 1] - self.rows_start[wid]
            elif not (i - start >= 9 and memcmp(text + start, b"__label__", 9) == 0) and \
                    not (i - start == 4 and memcmp(text + start, b"</s>", 4) == 0):
                count += self._oov(text + start, i - start, scratch)
            if i - start == 4 and memcmp(text + start, b"</s>", 4) == 0:
                return count  # a literal "</s>" ends fastText's line, as the newline would
        # the newline fastText's predict appends reads as "</s>"
        if self.eos_id >= 0:
            for k in range(self.rows_start[self.eos_id], self.rows_start[self.eos_id + 1]):
                self._add_row(self.rows[k])
            count += self.rows_start[self.eos_id + 1] - self.rows_start[self.eos_id]
        return count

    cdef bint _dfs(self, int node, float score, float floor) noexcept nogil:
        """HierarchicalSoftmaxLoss::dfs with k = every label; False on a NaN (fastText raises)."""
        cdef float f = 0
        cdef const float *row
        cdef int j
        if score < floor:
            return True
        if self.left[node] == -1 and self.right[node] == -1:
            self.leaf_score[node] = score
            self.leaf_seen[node] = 1
            return True
        row = self.out + <int64_t> (node - self.nlabels) * self.dim
        for j in range(self.dim):
            f += row[j] * self.hidden[j]
        if isnan(f):
            return False
        f = <float> (1. / <double> (ONE + expf(-f)))  # C++: 1 + expf(-f) in float, 1. / it in double
        if not self._dfs(self.left[node], score + _std_log(<float> (1.0 - <double> f)), floor):
            return False
        return self._dfs(self.right[node], score + _std_log(f), floor)

    cdef bint _predict(self, str text, float threshold) except -1:
        """Fill leaf_score/leaf_seen for `text`; False where fastText must answer instead."""
        cdef Py_ssize_t length
        cdef const char *utf8
        cdef Py_ssize_t count, k
        cdef float scale
        try:
            utf8 = PyUnicode_AsUTF8AndSize(text, &length)
        except UnicodeEncodeError:
            return False
        if memchr_newline(<const uint8_t *> utf8, length):
            return False
        cdef uint8_t *scratch = <uint8_t *> malloc(length + 2)
        if scratch == NULL:
            raise MemoryError()
        try:
            count = self._hidden(<const uint8_t *> utf8, length, scratch)
        finally:
            free(scratch)
        if count == 0:
            return False
        scale = <float> (1.0 / <double> count)
        for k in range(self.dim):
            self.hidden[k] *= scale
        for k in range(self.nlabels):
            self.leaf_seen[k] = 0
        return self._dfs(2 * self.nlabels - 2, 0.0, _std_log(threshold))

    def scores(self, str text, int label, float threshold=0.0):
        """`(top label index, its probability, label's probability)` as fastText's
        `predict(text, k=-1, threshold=threshold)` gives them (0.0 for a label it leaves out);
        None where fastText must be asked instead (module docstring)."""
        cdef int best = -1, k
        cdef float top = 0
        cdef bint tied = False
        if not self._predict(text, threshold):
            return None
        for k in range(self.nlabels):
            if self.leaf_seen[k]:
                if best < 0 or self.leaf_score[k] > top:
                    best, top, tied = k, self.leaf_score[k], False
                elif self.leaf_score[k] == top:
                    tied = True
        if best < 0 or tied:
            return None
        wanted = <double> expf(self.leaf_score[label]) if 0 <= label < self.nlabels and self.leaf_seen[label] else 0.0
        return best, <double> expf(top), wanted

    def predict_all(self, str text, float threshold=0.0):
        """Every label fastText returns for `text`, as `{label: probability}`; None as `scores`."""
        cdef int k
        if not self._predict(text, threshold):
            return None
        return {self.labels[k]: <double> expf(self.leaf_score[k]) for k in range(self.nlabels) if self.leaf_seen[k]}


cdef bint memchr_newline(const uint8_t *data, Py_ssize_t length) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(length):
        if data[i] == 10:
            return True
    return False
