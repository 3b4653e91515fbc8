"""Customers: how many distinct customers have recurring revenue in each (group, month), counted with bit masks."""

from __future__ import annotations

import numpy as np

from .book import Book, ramp_years
from .grid import factorize, spread

_LOW_BITS = np.array([(1 << k) - 1 for k in range(65)], dtype=np.uint64)  # _LOW_BITS[k]: the k lowest bits set
_HIGH_BITS = ~_LOW_BITS  # _HIGH_BITS[k]: all bits set but the k lowest
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.int64)


def active_customers(book: Book, group: np.ndarray, groups: int, origin: int, months: int,
                     spans=None) -> np.ndarray:
    """Distinct customers with recurring revenue in each (group, month).

    Each customer's months in service are the bits of a 64-bit mask (64 months at a
    time): the masks of its contracts are OR-ed together, then each bit is counted.
    ``spans`` (book row, first month, month after the last) are the months in service,
    if known (:func:`in_service` otherwise): three arrays, or a list of such parts (not joined first).
    """
    counts = np.zeros((groups, months), np.int64)
    parts = [in_service(book, origin, months)] if spans is None else spans if isinstance(spans, list) else [spans]
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return counts
    customers = int(book.customer_code.max()) + 1
    if groups == 1:  # one group: each customer's own number (one with no span has no bit set)
        rows = np.zeros(customers, np.int64)
        keyed = [(book.customer_code[who], first, stop) for who, first, stop in parts]
    else:
        who, first, stop = (np.concatenate(x) for x in zip(*parts)) if len(parts) > 1 else parts[0]
        ids, keys = factorize(group[who] * customers + book.customer_code[who], groups * customers)
        rows = keys // customers  # each key's group, in order (the keys are sorted)
        keyed = [(ids, first, stop)]
    for block in range(0, months, 64):
        mask = np.zeros(len(rows), np.uint64)
        for ids, first, stop in keyed:
            np.bitwise_or.at(mask, ids, _months_bits(first, stop, block))
        _count_bits(mask, rows, counts[:, block:block + 64])
    return counts


def _months_bits(first: np.ndarray, stop: np.ndarray, block: int) -> np.ndarray:
    """Each span's months from ``block`` to ``block + 63`` as the bits of a mask (bit k: month ``block + k``)."""
    inside = not block and all(0 <= int(f(x)) <= 64 for x in (first, stop) for f in (np.min, np.max) if len(x))
    if not inside:  # else no month is before the block or after it: nothing to clip
        first, stop = np.clip(first - block, 0, 64), np.clip(stop - block, 0, 64)
    bits = _LOW_BITS[stop]
    bits &= _HIGH_BITS[first]
    return bits


def in_service(book: Book, origin: int, months: int, ramps=None, left_out=None):
    """Spans of months with recurring revenue: contract index, first month, month after the last.

    ``ramps``: :func:`revlib.engine.book.ramp_years` of the book's ramp deals in order (those not ``left_out``),
    where already known. ``left_out``: a mask of rows given no span (the rows of chains, worked out apart).
    """
    # Contracts at one price: one span each, from the start to the end of the term (or of the grid, if it renews).
    first = book.start - origin
    stop = book.start + book.term
    stop -= origin  # in place, as below
    if len(stop) and stop.min() >= 0:  # renewing: to the grid's end (the larger), without a branch per contract
        np.maximum(stop, book.renews * months, out=stop)
    else:
        np.copyto(stop, months, where=book.renews)
    np.minimum(stop, months, out=stop)
    plain = first < stop
    plain &= book.first_price > 0
    plain[list(book.ramps)] = False
    if left_out is not None:
        plain &= ~left_out
    spans = [(np.flatnonzero(plain), first[plain], stop[plain])]
    index = np.array(sorted(book.ramps), np.int64)
    if left_out is not None:
        index = index[~left_out[index]]
    if len(index):
        start = first
        _, owner, year, prices = ramp_years(book, index) if ramps is None else ramps
        owner = index[owner]
        free_year = np.zeros(len(book), bool)
        free_year[owner[prices == 0]] = True
        whole = index[book.renews[index] & ~free_year[index]]  # renewing, paying every year: in service from start
        spans.append((whole, start[whole], np.full(len(whole), months)))
        once = ~book.renews[owner] & (prices > 0)  # each paying contract year of a ramp that ends
        spans.append((owner[once], (start[owner] + 12 * year)[once],
                      (start[owner] + np.minimum(12 * year + 12, book.term[owner]))[once]))
        # Renewing, with a year at no charge: each paying contract year, every term from the start to the window's end.
        again = np.flatnonzero(book.renews[owner] & free_year[owner] & (prices > 0))
        term = book.term[owner[again]]
        which, k = spread(-(-np.maximum(months - start[owner[again]], 0) // term))  # the terms started in the window
        row, year_of, term = owner[again][which], year[again][which], term[which]
        begin = start[row] + k * term
        spans.append((row, begin + 12 * year_of, begin + np.minimum(12 * year_of + 12, term)))
        ramp_spans = [np.concatenate([np.asarray(x[i], np.int64) for x in spans[1:]]) for i in range(3)]
        ramp_spans[2] = np.minimum(ramp_spans[2], months)
        keep = ramp_spans[1] < ramp_spans[2]
        spans[1:] = [tuple(x[keep] for x in ramp_spans)]
    if len(spans) == 1:
        return spans[0]
    return tuple(np.concatenate(x) for x in zip(*spans))


def _count_bits(mask: np.ndarray, rows: np.ndarray, out: np.ndarray) -> None:
    """Write into ``out`` (groups x up to 64 bits, zero to begin with) how many masks of each row have each bit set.

    ``rows`` (each mask's row) are in order.
    """
    octets = mask.astype("<u8", copy=False).view(np.uint8).reshape(-1, 8)
    groups, width = out.shape
    if groups <= 4096:  # a histogram of each byte's values, then the bits of each value
        base = rows * 256 if groups > 1 else 0  # each mask's row's first bin
        for j in range(-(-width // 8)):
            hist = np.bincount(base + octets[:, j], minlength=groups * 256).reshape(groups, 256)
            out[:, 8 * j:8 * j + 8] = (hist @ _BYTE_BITS)[:, :width - 8 * j]
        return
    bits = np.unpackbits(octets, axis=1, count=width, bitorder="little")
    first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # each row's first mask
    if len(first) == len(rows):  # one mask a row (as by customer): its bits are the counts
        if len(rows) == groups:  # every row has one
            out[...] = bits
        else:
            out[rows] = bits
    else:
        out[rows[first]] = np.add.reduceat(bits, first, axis=0, dtype=np.int64)
