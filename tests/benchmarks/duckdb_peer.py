"""Peer 1: revlib's rules in SQL, run by DuckDB, as a data team would write them in its warehouse.

A month spine is joined to the contracts (one row per contract and month from signing to the
last month); window sums give each contract's deferred and unbilled revenue and backlog; the
months are then added up. Amounts are whole cents, as in revlib.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

COLUMNS = ("bookings", "renewal_bookings", "billings", "revenue", "deferred_revenue", "unbilled_revenue", "backlog",
           "mrr", "arr", "ramp_step", "customers")

SQL = """
WITH c AS (
    SELECT id, customer, s, g, t, CASE WHEN p = 0 THEN t ELSE p END AS p, renews, services, price, ramp
    FROM contracts
),
ramp_value AS (
    SELECT rp.id, (2 * SUM(rp.price * LEAST(12, c.t - 12 * rp.year)) + 12) // 24 AS v
    FROM ramp_prices rp JOIN c USING (id) GROUP BY rp.id
),
terms AS (
    SELECT c.*, COALESCE(ramp_value.v, (2 * c.price * c.t + 12) // 24) AS v
    FROM c LEFT JOIN ramp_value USING (id)
),
k AS (
    SELECT *, v // t AS r, v - (t - 1) * (v // t) AS rl, (t + p - 1) // p AS n, (v * p) // t AS b
    FROM terms
),
ramp_others AS (  -- a ramp's invoices before its last one, each the price of its months rounded down
    SELECT k.id, SUM((rp.price * k.p) // 12) AS billed
    FROM (SELECT id, p, n, UNNEST(RANGE(0, n - 1)) AS inv FROM k WHERE ramp) k
    JOIN ramp_prices rp ON rp.id = k.id AND rp.year = (k.inv * k.p) // 12
    GROUP BY k.id
),
rows AS (
    SELECT k.*, COALESCE(ro.billed, 0) AS ramp_billed, UNNEST(RANGE(k.g, $last + 1)) AS m
    FROM k LEFT JOIN ramp_others ro USING (id)
),
flows AS (
    SELECT rows.*,
        rows.m - rows.s AS rel,
        (rows.m - rows.s >= 0 AND (rows.renews OR rows.m - rows.s < rows.t)) AS live,
        CASE WHEN rows.m - rows.s >= 0 THEN (rows.m - rows.s) % rows.t END AS pos,
        COALESCE(rp.price, rows.price) AS yearly
    FROM rows
    LEFT JOIN ramp_prices rp
        ON rows.ramp AND rp.id = rows.id AND rp.year = ((rows.m - rows.s) % rows.t) // 12 AND rows.m >= rows.s
),
amounts AS (
    SELECT id, customer, m, renews, p, t, ramp,
        CASE WHEN live THEN CASE WHEN pos = t - 1 THEN rl ELSE r END ELSE 0 END
            + CASE WHEN rel = 0 THEN services ELSE 0 END AS revenue,
        CASE WHEN live AND rel > 0 AND pos = 0 THEN v ELSE 0 END AS renewal_bookings,
        CASE WHEN m = g THEN v + services ELSE 0 END
            + CASE WHEN live AND rel > 0 AND pos = 0 THEN v ELSE 0 END AS bookings,
        CASE WHEN rel = 0 THEN services ELSE 0 END
            + CASE
                WHEN ramp THEN CASE WHEN live AND pos % p = 0 THEN
                    CASE WHEN pos // p < n - 1 THEN (yearly * p) // 12 ELSE v - ramp_billed END ELSE 0 END
                WHEN renews AND p > t THEN CASE WHEN rel >= 0 AND rel % p = 0 THEN
                    p * r + (rl - r) * ((rel // p + 1) * p // t - (rel // p) * p // t) ELSE 0 END
                ELSE CASE WHEN live AND pos % p = 0 THEN
                    CASE WHEN pos // p < n - 1 THEN b ELSE v - (n - 1) * b END ELSE 0 END
              END AS billings,
        CASE WHEN live THEN (2 * yearly + 12) // 24 ELSE 0 END AS mrr,
        CASE WHEN live THEN yearly ELSE 0 END AS arr,
        -- a ramp's step: a new contract year's price less the month before's, in service on both sides
        CASE WHEN live AND rel > 0 AND pos % 12 = 0 THEN yearly - LAG(yearly) OVER (PARTITION BY id ORDER BY m)
             ELSE 0 END AS ramp_step
    FROM flows
),
balances AS (
    SELECT *,
        SUM(billings - revenue) OVER w AS owed,
        SUM(bookings - revenue) OVER w AS backlog
    FROM amounts
    WINDOW w AS (PARTITION BY id ORDER BY m ROWS UNBOUNDED PRECEDING)
)
SELECT m,
    SUM(bookings) AS bookings, SUM(renewal_bookings) AS renewal_bookings, SUM(billings) AS billings,
    SUM(revenue) AS revenue, SUM(GREATEST(owed, 0)) AS deferred_revenue, SUM(GREATEST(-owed, 0)) AS unbilled_revenue,
    -- backlog is at least deferred revenue, contract by contract, where a renewing contract is billed for
    -- periods longer than its term (invoiced beyond what it has booked)
    SUM(CASE WHEN renews AND p > t AND NOT ramp THEN GREATEST(backlog, owed) ELSE backlog END) AS backlog,
    SUM(mrr) AS mrr, SUM(arr) AS arr, SUM(ramp_step) AS ramp_step,
    COUNT(DISTINCT CASE WHEN arr > 0 THEN customer END) AS customers
FROM balances
WHERE m >= $first
GROUP BY m
ORDER BY m
"""


def tables(columns: dict, prices) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contracts and the ramps' yearly prices as the tables the SQL reads."""
    n = len(columns["start"])
    contracts = pd.DataFrame({
        "id": np.arange(n), "customer": columns["customer"], "s": columns["start"], "g": columns["signed"],
        "t": columns["term"], "p": columns["billing"], "renews": columns["renews"], "services": columns["services"],
        "price": columns["price"], "ramp": columns["ramp"],
    })
    ramp_rows = [(i, year, p) for i in np.flatnonzero(columns["ramp"]) for year, p in enumerate(prices(columns, i))]
    ramps = pd.DataFrame(ramp_rows, columns=["id", "year", "price"]).astype("int64")
    return contracts, ramps


def schedule(contracts: pd.DataFrame, ramps: pd.DataFrame, first: int, last: int, threads: int = 2) -> pd.DataFrame:
    """Book totals per month, in cents, from ``first`` to ``last`` (month ordinals)."""
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.register("contracts", contracts)
    con.register("ramp_prices", ramps)
    out = con.execute(SQL, {"first": first, "last": last}).df().set_index("m")
    con.close()
    out = out.reindex(range(first, last + 1), fill_value=0)
    return out[list(COLUMNS)].astype("int64")


# The user's path: the same rules from the CRM export itself (read_csv), by customer, the ARR bridge, the report.

def _month(column: str) -> str:
    """A YYYY-MM text column as the month ordinal revlib counts (pandas' monthly Period ordinal)."""
    return f"(CAST(substr({column}, 1, 4) AS BIGINT) - 1970) * 12 + CAST(substr({column}, 6, 2) AS BIGINT) - 1"


def _cents(text: str) -> str:
    return f"CAST(round(CAST(trim({text}) AS DECIMAL(18, 2)) * 100) AS BIGINT)"


def read_export(con, path: str) -> None:
    """The contract file as the tables the SQL reads (``contracts`` and ``ramp_prices``)."""
    con.execute(f"CREATE TEMP TABLE raw AS SELECT row_number() OVER () - 1 AS id, * "
                f"FROM read_csv('{path}', all_varchar = true, header = true)")
    con.execute(f"""
        CREATE TEMP TABLE contracts AS SELECT id, customer, {_month('start')} AS s, {_month('signed')} AS g,
            CAST(term_months AS BIGINT) AS t,
            CASE billing WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6
                         WHEN 'annual' THEN 12 ELSE 0 END AS p,
            renews = 'true' AS renews, {_cents('services')} AS services,
            {_cents("string_split(annual_price, ';')[1]")} AS price, contains(annual_price, ';') AS ramp
        FROM raw""")
    con.execute(f"""
        CREATE TEMP TABLE ramp_prices AS SELECT id, CAST(year AS BIGINT) AS year, {_cents('part')} AS price FROM (
            SELECT id, UNNEST(range(len(parts))) AS year, UNNEST(parts) AS part
            FROM (SELECT id, string_split(annual_price, ';') AS parts FROM raw WHERE contains(annual_price, ';')))""")


SQL_BY_CUSTOMER = SQL.replace("SELECT m,\n    SUM(bookings)", "SELECT customer, m,\n    SUM(bookings)").replace(
    "GROUP BY m\nORDER BY m", "GROUP BY customer, m")
assert SQL_BY_CUSTOMER != SQL

BRIDGE = ("starting_arr", "new", "expansion", "ramp", "contraction", "churn", "reactivation", "ending_arr")

SQL_BRIDGE = """
WITH per AS ({by_customer}),
lagged AS (
    SELECT customer, m, arr, ramp_step, COALESCE(LAG(arr) OVER w, 0) AS prev,
        COALESCE(MAX(CASE WHEN arr > 0 THEN 1 ELSE 0 END) OVER (
            PARTITION BY customer ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS seen
    FROM per WINDOW w AS (PARTITION BY customer ORDER BY m)
)
SELECT m, SUM(prev) AS starting_arr,
    SUM(CASE WHEN prev = 0 AND arr > 0 AND seen = 0 THEN arr ELSE 0 END) AS new,
    SUM(CASE WHEN prev > 0 AND arr > 0 AND arr - prev - ramp_step > 0 THEN arr - prev - ramp_step ELSE 0 END)
        AS expansion,
    SUM(CASE WHEN prev > 0 AND arr > 0 THEN ramp_step ELSE 0 END) AS ramp,
    SUM(CASE WHEN prev > 0 AND arr > 0 AND arr - prev - ramp_step < 0 THEN arr - prev - ramp_step ELSE 0 END)
        AS contraction,
    SUM(CASE WHEN prev > 0 AND arr = 0 THEN -prev ELSE 0 END) AS churn,
    SUM(CASE WHEN prev = 0 AND arr > 0 AND seen = 1 THEN arr ELSE 0 END) AS reactivation,
    SUM(arr) AS ending_arr
FROM lagged GROUP BY m ORDER BY m
""".format(by_customer=SQL_BY_CUSTOMER)

FLOW_COLUMNS = ("bookings", "renewal_bookings", "billings", "revenue", "ramp_step")

SQL_YEARLY_BY_CUSTOMER = """
WITH per AS ({by_customer})
SELECT customer, m // 12 + 1970 AS year,
    {flows}, {balances}
FROM per GROUP BY customer, year ORDER BY customer, year
""".format(by_customer=SQL_BY_CUSTOMER,
           flows=", ".join(f"SUM({c}) AS {c}" for c in FLOW_COLUMNS),
           balances=", ".join(f"arg_max({c}, m) AS {c}" for c in COLUMNS if c not in FLOW_COLUMNS))


def from_export(path: str, sql: str, first: int, last: int, threads: int = 2, out: str | None = None) -> pd.DataFrame:
    """``sql`` run on the contract file at ``path`` (read with read_csv); with ``out``, written there as CSV instead."""
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    read_export(con, path)
    result = None
    if out is None:
        result = con.execute(sql, {"first": first, "last": last}).df()
    else:
        con.execute(f"COPY ({sql.replace('$first', str(first)).replace('$last', str(last))}) TO '{out}' (HEADER)")
    con.close()
    return result
