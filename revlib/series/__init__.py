"""The teaching series' material, apart from the library: what the notebooks and the workshop app build on.

``import revlib`` imports none of it. ``from revlib import examples, plot, widgets`` (and ``exercises``,
``scenarios``, ``svg``, ``check``) still works: each module here is imported when first used by that name.

- :mod:`~revlib.series.examples`: the worked examples, built from their terms, and the key figures each teaches.
- :mod:`~revlib.series.scenarios`: the nine-client model's scenarios and what each one shows.
- :mod:`~revlib.series.exercises`: the answers and hints behind ``check``; the questions are in the notebooks.
- :mod:`~revlib.series.style`: colours, month ticks and matplotlib's settings, shared by both kinds of chart.
- :mod:`~revlib.series.plot`: the notebooks' charts, drawn with matplotlib.
- :mod:`~revlib.series.svg`: the live widgets' charts, written as SVG.
- :mod:`~revlib.series.widgets`: the explorers and the workshop app: controls, the figures, table and chart
  each view shows.
"""
