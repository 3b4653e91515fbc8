"""The event grid: amounts placed in (group x month) cells, repeated every so many months, added exactly in cents.

An *event* is an amount in a month for a group (a customer, a segment, a contract,
or the whole book). It may become a level that holds from that month on (a running
total) and may repeat every P months (an invoice every quarter, a renewal every
term). Events are added into the grid where they fall (``numpy.add.at``), and a repeat every
P months is a cumulative sum taken with stride P, so the work grows with the number
of events plus the number of months, not their product.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Events:
    """Amounts placed in (group, month) cells, each possibly repeating every P months."""

    def __init__(self, groups: int, months: int):
        self.groups, self.months = groups, months
        self.parts: list[tuple] = []

    def add(self, group, month, amount, running_totals: int = 0, every=()):
        """Add ``amount`` at ``month`` for ``group``; then ``running_totals`` cumulative sums, and a repeat per stride.

        ``running_totals=1`` turns an amount into a level that holds from that month on
        (close it with the negative amount where it stops); ``running_totals=2`` into a
        level that grows by the amount every month. Each stride in ``every`` repeats the
        amount every that many months from there on.

        In one group, the arrays are kept as they are where every event counts (no copy): change none of them
        afterwards.
        """
        month, amount = np.asarray(month, np.int64), np.asarray(amount, np.int64)
        if self.groups == 1:  # every event in group 0: no group kept (None)
            group = None
            if month.shape != amount.shape:  # (numpy's broadcast is slow to call: only where needed)
                month, amount = np.broadcast_arrays(month, amount)
        else:
            group = np.asarray(group, np.int64)
            if not group.shape == month.shape == amount.shape:
                group, month, amount = np.broadcast_arrays(group, month, amount)
        keep = (amount != 0) & (month < self.months)
        if not keep.any():
            return
        strides = [np.asarray(stride, np.int64) for stride in every]
        strides = [s if s.shape == month.shape else np.broadcast_to(s, month.shape) for s in strides]
        if keep.all():  # each kept: the arrays as they are in one group; else copies (several times faster than
            # picked by a mask), so that the arrays several figures' events share (by customer, each about the book's
            # size) are let go with the terms they come from
            if group is not None:
                group, month, amount = np.array(group), np.array(month), np.array(amount)
                strides = [np.array(stride) for stride in strides]
            self.parts.append((group, month, amount, running_totals, strides))
            return
        self.parts.append((None if group is None else group[keep], month[keep], amount[keep], running_totals,
                           [stride[keep] for stride in strides]))

    def include(self, other: "Events", sign: int = 1, rows: np.ndarray | None = None) -> None:
        """Add ``other``'s events (of as many months) to these, each amount times ``sign`` (1 or -1), and each
        group ``g`` of ``other`` as group ``rows[g]`` here (where ``rows`` is given)."""
        for group, month, amount, running_totals, strides in other.parts:
            if self.groups == 1:
                group = None
            elif group is None:  # other's one group
                group = np.full(len(month), 0 if rows is None else rows[0], np.int64)
            elif rows is not None:
                group = rows[group]
            self.parts.append((group, month, -amount if sign < 0 else amount, running_totals, strides))

    def grid(self, scratch: np.ndarray | None = None) -> np.ndarray:
        """The (groups x months) totals, in cents.

        Events that repeat alike (the same running totals and strides) are counted
        together, whichever ``add`` they came from: one pattern for each way of repeating.
        Events that neither repeat nor run more than once are added straight into the
        totals, the running ones first, summed once along the months before the others
        are added; the others are repeated in ``scratch`` (a (groups x months) int64
        grid the caller lends, whatever it holds; one is made if not), pattern by pattern.
        """
        alike: dict[tuple, list] = {}
        for group, month, amount, running_totals, strides in self.parts:
            for pick, totals_here, repeats in self._patterns(running_totals, strides):
                alike.setdefault((totals_here, tuple(repeats)), []).append(
                    (None if group is None else group[pick], month[pick], amount[pick]))
        total = np.zeros((self.groups, self.months), np.int64)
        running = any(totals_here for totals_here, _ in alike)
        for totals_here, repeats in sorted(alike, key=lambda pattern: pattern[0] == 0):  # the running ones first
            if running and not totals_here:
                np.cumsum(total, axis=1, out=total)
                running = False
            parts = alike[totals_here, repeats]  # each placed as it is (not joined into one first: less to copy)
            if not repeats and totals_here <= 1:
                for group, month, amount in parts:
                    place(total, group, month, amount)
                continue
            rows = None
            if self.groups > 1:
                compact, present = pd.factorize(np.concatenate([group for group, _, _ in parts]))
                if 2 * len(present) <= self.groups:  # few groups: repeated on their rows only
                    ends = np.cumsum([len(month) for _, month, _ in parts])[:-1]
                    parts = [(each, month, amount) for each, (_, month, amount) in zip(np.split(compact, ends), parts)]
                    rows = present
            if scratch is None:
                scratch = np.empty_like(total)
            cells = scratch[:self.groups if rows is None else len(rows)]
            cells.fill(0)
            for group, month, amount in parts:
                place(cells, group, month, amount)
            for stride in repeats:
                repeat_every(cells, stride)
            for _ in range(totals_here - 1):
                np.cumsum(cells, axis=1, out=cells)
            if rows is None:
                total += cells
            else:
                total[rows] += cells
        if running:
            np.cumsum(total, axis=1, out=total)
        return total

    def _patterns(self, running_totals: int, strides: list):
        """Split events by how they repeat: (which events, running totals, strides > 1).

        A stride of 1 is one more running total; a stride past the window repeats nothing.
        """
        if not strides:
            yield slice(None), running_totals, []
            return
        if len(strides) == 1 and len(strides[0]) and strides[0].min() > 0:  # one stride each: a few of them, ...
            stride = np.where(strides[0] >= self.months, 0, strides[0])
            there = np.flatnonzero(np.bincount(stride)).tolist()
            if len(there) <= 8:  # ... each a pattern
                for each in there:
                    pick = slice(None) if len(there) == 1 else np.flatnonzero(stride == each)
                    yield pick, running_totals + (each == 1), [each] if each > 1 else []
                return
        stack = np.stack(strides, axis=1)
        stack = np.where(stack >= self.months, 0, stack)
        if len(stack) and (stack == stack[0]).all():  # all alike: one pattern
            repeats = sorted((int(s) for s in stack[0] if s > 1), reverse=True)
            yield slice(None), running_totals + int((stack[0] == 1).sum()), repeats
            return
        totals_each = running_totals + (stack == 1).sum(axis=1)
        stack = np.sort(np.where(stack == 1, 0, stack), axis=1)
        base = self.months + 1
        code = totals_each
        for column in stack.T:
            code = code * base + column
        which, codes = pd.factorize(code)
        if len(codes) > 1:  # one sort, then each pattern is a slice of it
            order = np.argsort(which.astype(np.int16) if len(codes) < 2**15 else which, kind="stable")  # a radix sort
            bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(codes)))]
        for k, key in enumerate(codes.tolist()):
            repeats = []
            for _ in range(stack.shape[1]):
                key, stride = divmod(key, base)
                if stride:
                    repeats.append(stride)
            yield (order[bounds[k]:bounds[k + 1]] if len(codes) > 1 else slice(None)), key, repeats


def place(cells: np.ndarray, group, month, amount) -> None:
    """Add each amount into its (group, month) cell of ``cells`` (a C-ordered grid), exactly in cents (``group``
    None: all in the first row)."""
    np.add.at(cells.reshape(-1), month if group is None else group * cells.shape[1] + month, _whole_cents(amount))


def repeat_every(cells: np.ndarray, stride: int) -> None:
    """Each amount repeated every ``stride`` months from where it stands (a strided cumulative sum), in place.

    >>> cells = np.array([[5, 0, 1, 0, 0]])
    >>> repeat_every(cells, 2)
    >>> cells.tolist()
    [[5, 0, 6, 0, 6]]
    """
    months = cells.shape[1]
    if stride >= 8:  # few strides: each block of months adds the one before it
        for at in range(stride, months, stride):
            width = min(stride, months - at)
            cells[:, at:at + width] += cells[:, at - stride:at - stride + width]
        return
    whole = months // stride * stride  # many: one cumulative sum over the whole blocks, then the part after them
    blocks = cells[:, :whole].reshape(len(cells), whole // stride, stride, copy=False)  # a view: summed in place
    np.cumsum(blocks, axis=1, out=blocks)
    if whole and whole < months:
        cells[:, whole:] += cells[:, whole - stride:months - stride]


def sum_by(ids: np.ndarray, amount: np.ndarray, size: int) -> np.ndarray:
    """Amounts added up by id (each from 0 to ``size - 1``), exactly in cents.

    >>> sum_by(np.array([0, 2, 0]), np.array([5, 7, 1]), 3).tolist()
    [6, 0, 7]
    """
    total = np.zeros(size, np.int64)
    np.add.at(total, ids, _whole_cents(amount))  # whole numbers added as they are
    return total


def run_sums(values: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The sums of runs of ``values`` one after the other along the last axis, run k of ``size[k]`` values (each at
    least 1): ``numpy.add.reduceat`` at each run's start, as the differences of one running total (several times
    faster for runs of a few values). Exact in int64: what wraps around in the running total wraps back in the
    differences.

    >>> run_sums(np.array([5, 7, 1, 2]), np.array([2, 1, 1])).tolist()
    [12, 1, 2]
    """
    last = np.cumsum(size) - 1
    total = np.cumsum(values, axis=-1)
    out = total[..., last]
    out[..., 1:] -= total[..., last[:-1]]
    return out


def _whole_cents(amount) -> np.ndarray:
    """The amounts as aligned int64 in the machine's byte order: numpy 2's ``ufunc.at`` adds those in one pass,
    and any other kind (int32, say) some twenty times slower. Anything but whole numbers is passed as it is."""
    amount = np.asarray(amount)
    return np.require(amount, np.int64, "A") if amount.dtype.kind in "iub" else amount


def factorize(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct keys (each from 0 to ``size - 1``): each key's number, and the keys, sorted."""
    if size <= 4 * len(key) + 65_536:  # a direct table beats hashing
        present = np.zeros(size, bool)
        present[key] = True
        keys = np.flatnonzero(present)
        if 8 * len(keys) < size:  # few keys: each one's number written (and its pages touched) for them alone
            number = np.empty(size, np.int64)
            number[keys] = np.arange(len(keys))
            return number[key], keys
        count = np.cumsum(present, dtype=np.int32 if size < 2**31 else np.int64)  # keys up to each: half the memory
        ids = count[key].astype(np.int64)
        ids -= 1
        return ids, keys
    if size << max(len(key) - 1, 1).bit_length() <= 2**63:  # one sort of the keys with their positions beats hashing
        order, ordered = stable_order(key, size)
        new = np.ones(len(key), bool)
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])  # each key's first in order
        ids = np.empty(len(key), np.int64)
        ids[order] = np.cumsum(new) - 1
        return ids, ordered[new]
    ids, uniques = pd.factorize(key, sort=True)
    return ids.astype(np.int64), np.asarray(uniques, np.int64)


def stable_order(code: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts ``code`` (whole numbers from 0 to ``size - 1``), equal codes in their order, and the
    codes in that order. Where each code fits in 63 bits with its position below it, that is one sort of those
    numbers (many times faster than a stable ``argsort``).

    >>> [a.tolist() for a in stable_order(np.array([2, 0, 2, 1]), 3)]
    [[1, 3, 0, 2], [0, 1, 2, 2]]
    """
    bits = max(len(code) - 1, 1).bit_length()
    if size << bits > 2**63:
        order = np.argsort(code, kind="stable")
        return order, code[order]
    packed = (code.astype(np.int64) << bits) | np.arange(len(code), dtype=np.int64)
    packed.sort()
    return packed & ((1 << bits) - 1), packed >> bits


def adder(rows: np.ndarray):
    """A function adding each row of values to a target's row ``rows[i]`` (several may share one)."""
    order = None if (rows[1:] >= rows[:-1]).all() else np.argsort(rows, kind="stable")  # None: in order already
    ordered = rows if order is None else rows[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    if len(starts) == len(rows):  # one row of values for each target row: nothing to add up first

        def add_each(target: np.ndarray, values: np.ndarray) -> None:
            target[rows] += values

        return add_each

    def add(target: np.ndarray, values: np.ndarray) -> None:
        target[ordered[starts]] += np.add.reduceat(values if order is None else values[order], starts, axis=0,
                                                   dtype=np.int64)

    return add


def spread(counts: np.ndarray, dtype=np.int64):
    """For items repeated ``counts`` times: which item each copy is, and its number within the item
    (as ``dtype``: ``numpy.int32`` halves the memory read and written where the counts allow).

    >>> [a.tolist() for a in spread(np.array([2, 0, 3]))]
    [[0, 0, 2, 2, 2], [0, 1, 0, 1, 2]]
    """
    which = np.repeat(np.arange(len(counts), dtype=dtype), counts)
    return which, np.arange(len(which), dtype=dtype) - np.repeat((np.cumsum(counts) - counts).astype(dtype), counts)
