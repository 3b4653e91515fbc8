"""Money as people read it: ``$4,600``, ``$83.33``, ``$8.75M``."""

from __future__ import annotations

_SCALES = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))


def usd(amount, short: bool = False) -> str:
    """Dollars with thousands separators; cents only where there are some.

    ``short=True`` writes large amounts in thousands (K), millions (M) or
    billions (B), with up to two decimals.

    >>> usd(4600)
    '$4,600'
    >>> usd(83.333)
    '$83.33'
    >>> usd(-1100)
    '-$1,100'
    >>> usd(8_750_000, short=True)
    '$8.75M'
    >>> usd(30_000_000, short=True), usd(250_000, short=True), usd(600, short=True)
    ('$30M', '$250K', '$600')
    """
    cents = round(float(amount) * 100)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    if short:
        for size, suffix in _SCALES:
            if cents >= size * 100:
                text = f"{cents / (size * 100):,.2f}".rstrip("0").rstrip(".")
                return f"{sign}${text}{suffix}"
    dollars, rest = divmod(cents, 100)
    return f"{sign}${dollars:,}" + (f".{rest:02d}" if rest else "")


def usd_axis(axis, short: bool = True) -> None:
    """Label a matplotlib axis's ticks in dollars (``$8.75M``)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: usd(value, short=short)))
