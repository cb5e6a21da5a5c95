"""Queueing-theory closed forms and approximations used to verify the simulation.

Everything here is a pure function of its arguments (numpy/scipy only; no other
``borderflow`` module is imported).

Units
-----
No unit is assumed. Rates (arrivals or services per unit time) and times (service
means, waits, period lengths) must simply use the *same* time unit, e.g. rates per
hour with times in hours, or rates per minute with times in minutes. Results come
back in that unit (waits in time units, capacities per time unit, counts unitless).

Notation: ``lambda`` arrival rate, ``mu`` service rate per server, ``c`` servers,
``a = lambda/mu`` offered load (Erlangs), ``rho = a/c`` utilization per server,
``Wq`` mean wait in queue, ``W`` mean time in system, ``Lq``/``L`` time-average
numbers waiting/in system; ``ca2``/``cs2`` squared coefficients of variation of
inter-arrival and service times.

References
----------
- [GSTH] Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*,
  4th ed. (Wiley 2008; section numbers below refer to this edition, the same
  material is in the 5th ed., 2018).
- [Kleinrock] Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley 1975).
- [Allen] Allen, *Probability, Statistics, and Queueing Theory with Computer
  Science Applications*, 2nd ed. (Academic Press 1990).
- [Kingman61] Kingman, "The single server queue in heavy traffic",
  Proc. Cambridge Philos. Soc. 57 (1961) 902-904.
- [Whitt93] Whitt, "Approximations for the GI/G/m queue",
  Production and Operations Management 2 (1993) 114-161.
- [David] David & Nagaraja, *Order Statistics*, 3rd ed. (Wiley 2003).
- [Law] Law, *Simulation Modeling and Analysis*, 5th ed. (McGraw-Hill 2015), Ch. 6.
- [Perros] Perros, *Queueing Networks with Blocking* (Oxford University Press 1994),
  Ch. 1-2 (blocking after service, two-station tandems).
- [GKW07] Green, Kolesar & Whitt, "Coping with time-varying demand when setting
  staffing requirements for a service system", Production and Operations
  Management 16 (2007) 13-39.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import scipy.sparse as sp
from scipy import integrate, stats
from scipy.sparse.linalg import spsolve

__all__ = [
    "FrozenDistribution",
    "QueueMetrics",
    "TransientResult",
    "allen_cunneen",
    "erlang_b",
    "erlang_c",
    "expected_max",
    "kingman",
    "md1",
    "mg1",
    "mm1",
    "mmc",
    "mmc_wait_cdf",
    "mmc_wait_exceeds",
    "mmc_wait_quantile",
    "service_distribution",
    "stacked_efficiency",
    "stacked_lane_capacity",
    "stacked_utilization",
    "TandemResult",
    "tandem_blocking",
    "tandem_capacity",
    "transient_mmc",
]


# --------------------------------------------------------------------------- validation


def _rate(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, requiring it finite and > 0 (or >= 0)."""
    v = float(value)
    if not math.isfinite(v) or v < 0.0 or (v == 0.0 and not allow_zero):
        need = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {need} finite number, got {value!r}")
    return v


def _integer(name: str, value: int, minimum: int) -> int:
    """Return ``value`` as int, requiring an integral value >= ``minimum``."""
    try:
        n = operator.index(value)
    except TypeError:
        v = float(value)
        if not (math.isfinite(v) and v.is_integer()):
            raise ValueError(f"{name} must be an integer, got {value!r}") from None
        n = int(v)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return n


def _servers(value: int, *, allow_zero: bool = False) -> int:
    """Return the number of servers as int, requiring an integer >= 1 (or >= 0)."""
    return _integer("number of servers", value, 0 if allow_zero else 1)


def _stable(rho: float, what: str) -> None:
    if rho >= 1.0:
        raise ValueError(
            f"unstable queue: utilization rho = {rho:.6g} >= 1 ({what}); no steady state exists"
        )


def _scv(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return v


# --------------------------------------------------------------------------- steady state


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state performance of a queue (time unit: the caller's).

    Attributes:
        arrival_rate: lambda, arrivals per unit time.
        service_mean: mean service time E[S] per customer.
        servers: number of parallel servers c.
        utilization: rho = lambda E[S] / c, long-run fraction of time a server is busy.
        p_wait: probability that an arriving customer has to wait (P(Wq > 0)).
        wait_mean: Wq, mean time spent waiting in queue (excluding service).
        queue_mean: Lq, time-average number of customers waiting (not in service).
        system_mean: L, time-average number of customers in the system.
        sojourn_mean: W = Wq + E[S], mean time in the system.
    """

    arrival_rate: float
    service_mean: float
    servers: int
    utilization: float
    p_wait: float
    wait_mean: float
    queue_mean: float
    system_mean: float
    sojourn_mean: float


def _metrics(lam: float, s_mean: float, c: int, p_wait: float, wq: float) -> QueueMetrics:
    """Fill in the remaining metrics from Wq with Little's law (L = lambda W)."""
    w = wq + s_mean
    return QueueMetrics(
        arrival_rate=lam,
        service_mean=s_mean,
        servers=c,
        utilization=lam * s_mean / c,
        p_wait=p_wait,
        wait_mean=wq,
        queue_mean=lam * wq,
        system_mean=lam * w,
        sojourn_mean=w,
    )


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang B (loss) formula: blocking probability of M/G/c/c with offered load ``a``.

    ``B(c, a) = (a^c / c!) / sum_{k=0..c} a^k / k!``, evaluated as the ratio of the
    Poisson(a) pmf and cdf at ``c`` in log space (``scipy.stats.poisson``), which is
    stable for large ``c`` (thousands of servers) and needs no stability condition.

    Reference: [GSTH] Sec. 2.6 (Erlang's loss formula, M/M/c/c); [Kleinrock] Sec. 3.7.
    """
    c = _servers(servers)
    a = _rate("offered_load", offered_load, allow_zero=True)
    if a == 0.0:
        return 0.0
    return float(np.exp(stats.poisson.logpmf(c, a) - stats.poisson.logcdf(c, a)))


def erlang_c(servers: int, offered_load: float) -> float:
    """Erlang C formula: probability that an arrival waits in an M/M/c queue.

    ``offered_load`` is ``a = lambda/mu`` (Erlangs, unitless) and must satisfy ``a < c``.
    Computed from Erlang B as ``C = B / (1 - rho (1 - B))`` with ``rho = a/c``, which
    avoids the factorials and large powers of the textbook formula and stays accurate
    for hundreds or thousands of servers.

    Reference: [GSTH] Sec. 2.3 (M/M/c, probability of delay); [Kleinrock] Sec. 3.5.
    """
    c = _servers(servers)
    a = _rate("offered_load", offered_load, allow_zero=True)
    rho = a / c
    _stable(rho, f"offered load a = {a:.6g} Erlangs with {c} servers")
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


def mmc(arrival_rate: float, service_rate: float, servers: int) -> QueueMetrics:
    """Steady-state M/M/c queue (Poisson arrivals, exponential service, c servers, FCFS).

    ``p_wait`` is Erlang C, ``Wq = C / (c mu - lambda)``, ``Lq = lambda Wq``,
    ``W = Wq + 1/mu``, ``L = lambda W``. Requires ``rho = lambda/(c mu) < 1``;
    ``arrival_rate = 0`` is allowed (empty system).

    Reference: [GSTH] Sec. 2.3; [Kleinrock] Sec. 3.5.
    """
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    mu = _rate("service_rate", service_rate)
    c = _servers(servers)
    _stable(lam / (c * mu), f"arrival_rate {lam:.6g} vs capacity {c} x {mu:.6g}")
    p_wait = erlang_c(c, lam / mu)
    return _metrics(lam, 1.0 / mu, c, p_wait, p_wait / (c * mu - lam))


def mm1(arrival_rate: float, service_rate: float) -> QueueMetrics:
    """Steady-state M/M/1 queue: ``rho = lambda/mu``, ``Wq = rho/(mu - lambda)``.

    Also ``p_wait = rho``, ``Lq = rho^2/(1 - rho)``, ``L = rho/(1 - rho)``,
    ``W = 1/(mu - lambda)``. Requires ``rho < 1``.

    Reference: [GSTH] Sec. 2.2; [Kleinrock] Sec. 3.2.
    """
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    mu = _rate("service_rate", service_rate)
    rho = lam / mu
    _stable(rho, f"arrival_rate {lam:.6g} vs service_rate {mu:.6g}")
    return _metrics(lam, 1.0 / mu, 1, rho, rho / (mu - lam))


def _mmc_params(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """Return (C, decay rate c mu - lambda) of the M/M/c waiting-time distribution."""
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    mu = _rate("service_rate", service_rate)
    c = _servers(servers)
    _stable(lam / (c * mu), f"arrival_rate {lam:.6g} vs capacity {c} x {mu:.6g}")
    return erlang_c(c, lam / mu), c * mu - lam


def mmc_wait_exceeds(
    arrival_rate: float, service_rate: float, servers: int, t: float | np.ndarray
) -> float | np.ndarray:
    """P(Wq > t) for M/M/c under FCFS: ``C exp(-(c mu - lambda) t)`` for ``t >= 0``.

    ``t`` is a time (scalar or array) in the caller's unit; for ``t < 0`` the result is 1.

    Reference: [GSTH] Sec. 2.3 (waiting-time distribution of M/M/c).
    """
    p, rate = _mmc_params(arrival_rate, service_rate, servers)
    tt = np.asarray(t, dtype=float)
    out = np.where(tt < 0.0, 1.0, p * np.exp(-rate * np.maximum(tt, 0.0)))
    return float(out) if out.ndim == 0 else out


def mmc_wait_cdf(
    arrival_rate: float, service_rate: float, servers: int, t: float | np.ndarray
) -> float | np.ndarray:
    """P(Wq <= t) for M/M/c under FCFS: ``1 - C exp(-(c mu - lambda) t)`` for ``t >= 0``.

    Has an atom ``1 - C`` at ``t = 0`` (customers served at once); 0 for ``t < 0``.

    Reference: [GSTH] Sec. 2.3 (waiting-time distribution of M/M/c).
    """
    out = 1.0 - np.asarray(mmc_wait_exceeds(arrival_rate, service_rate, servers, t))
    return float(out) if out.ndim == 0 else out


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, q: float) -> float:
    """The q-quantile of the M/M/c FCFS waiting time in queue (caller's time unit).

    ``0`` if ``q <= 1 - C`` (the atom at zero), otherwise
    ``ln(C / (1 - q)) / (c mu - lambda)``; ``inf`` for ``q = 1``.

    Reference: inverse of the distribution in [GSTH] Sec. 2.3.
    """
    qq = float(q)
    if not 0.0 <= qq <= 1.0:
        raise ValueError(f"quantile level q must be in [0, 1], got {q!r}")
    p, rate = _mmc_params(arrival_rate, service_rate, servers)
    if qq <= 1.0 - p:
        return 0.0
    if qq == 1.0:
        return math.inf
    return math.log(p / (1.0 - qq)) / rate


def mg1(arrival_rate: float, service_mean: float, service_cv: float) -> QueueMetrics:
    """Steady-state M/G/1 queue via the Pollaczek-Khinchine mean-value formula.

    ``Wq = rho E[S] (1 + cs^2) / (2 (1 - rho))`` with ``rho = lambda E[S] < 1`` and
    ``cs = service_cv`` = std(S)/E[S]. Exact for any service distribution with that
    mean and CV (FCFS, or any work-conserving order that ignores service times).
    ``p_wait = rho`` (Poisson arrivals see time averages).

    Reference: [GSTH] Sec. 5.1.1 (P-K formula); [Kleinrock] Ch. 5.
    """
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    s = _rate("service_mean", service_mean)
    cv = _scv("service_cv", service_cv)
    rho = lam * s
    _stable(rho, f"arrival_rate {lam:.6g} x service_mean {s:.6g}")
    wq = rho * s * (1.0 + cv * cv) / (2.0 * (1.0 - rho))
    return _metrics(lam, s, 1, rho, wq)


def md1(arrival_rate: float, service_time: float) -> QueueMetrics:
    """Steady-state M/D/1 queue (constant service time): P-K with ``cs = 0``.

    ``Wq = rho D / (2 (1 - rho))``, half the M/M/1 wait at the same load.

    Reference: [GSTH] Sec. 5.1.1 (P-K formula with zero service variance).
    """
    return mg1(arrival_rate, service_time, 0.0)


# --------------------------------------------------------------------------- G/G/c


def allen_cunneen(
    arrival_rate: float, service_mean: float, servers: int, ca2: float, cs2: float
) -> float:
    """Allen-Cunneen approximation of the mean wait in queue Wq of a GI/G/c queue.

    ``Wq ~= Wq(M/M/c) (ca2 + cs2) / 2`` with ``Wq(M/M/c) = C(c, a) / (c mu - lambda)``,
    ``mu = 1/service_mean``; ``ca2``/``cs2`` are the squared CVs of inter-arrival and
    service times. Returns a time in the caller's unit. Requires ``rho < 1``.

    Accuracy: exact for M/M/c (``ca2 = cs2 = 1``) and for M/G/1 (``c = 1, ca2 = 1``,
    where it is the P-K formula). Otherwise heuristic: typically within about 10% for
    moderate-to-high load (rho >~ 0.6) and ``ca2, cs2`` near or below 1; it is less
    reliable at light load, for very variable arrivals (``ca2 >> 1``) or very variable
    service, where relative errors can be large (although the absolute waits are
    then usually small) [Whitt93].

    Reference: [Allen] (Allen-Cunneen GI/G/c approximation); [Whitt93].
    """
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    s = _rate("service_mean", service_mean)
    c = _servers(servers)
    a2 = _scv("ca2", ca2)
    s2 = _scv("cs2", cs2)
    return mmc(lam, 1.0 / s, c).wait_mean * (a2 + s2) / 2.0


def kingman(arrival_rate: float, service_mean: float, ca2: float, cs2: float) -> float:
    """Kingman's heavy-traffic approximation of the mean wait in queue of GI/G/1.

    ``Wq ~= E[S] rho / (1 - rho) (ca2 + cs2) / 2`` with ``rho = lambda E[S] < 1``.
    Returns a time in the caller's unit.

    Accuracy: exact for M/G/1 (``ca2 = 1``; it then equals the P-K formula, hence also
    M/M/1) and asymptotically exact as ``rho -> 1`` (the waiting time becomes
    exponential with this mean). Away from heavy traffic it behaves like an upper
    bound for ``ca2 < 1`` (e.g. D/M/1 at rho = 0.5: exact 0.255 E[S], formula 0.5 E[S]),
    and it can underestimate for very bursty arrivals (``ca2 > 1``) [Whitt93].

    Reference: [Kingman61]; [GSTH] Ch. 7 (bounds and approximations); [Whitt93].
    """
    lam = _rate("arrival_rate", arrival_rate, allow_zero=True)
    s = _rate("service_mean", service_mean)
    a2 = _scv("ca2", ca2)
    s2 = _scv("cs2", cs2)
    rho = lam * s
    _stable(rho, f"arrival_rate {lam:.6g} x service_mean {s:.6g}")
    return s * rho / (1.0 - rho) * (a2 + s2) / 2.0


# --------------------------------------------------------------------------- stacked booths

_KINDS = ("exponential", "lognormal", "gamma", "deterministic", "uniform")


class FrozenDistribution(Protocol):
    """The part of a frozen ``scipy.stats`` distribution used here."""

    def mean(self) -> float: ...
    def std(self) -> float: ...
    def cdf(self, x: Any) -> Any: ...
    def sf(self, x: Any) -> Any: ...
    def ppf(self, q: Any) -> Any: ...
    def support(self) -> tuple[float, float]: ...


def service_distribution(kind: str, mean: float, cv: float | None = None) -> FrozenDistribution:
    """A frozen ``scipy.stats`` distribution of a service time with given mean and CV.

    ``kind`` is one of:

    - ``"exponential"``: ``expon(scale=mean)``; CV is 1 (``cv`` may be omitted).
    - ``"lognormal"``: ``sigma^2 = ln(1 + cv^2)``, ``mu = ln(mean) - sigma^2/2``,
      i.e. ``lognorm(s=sigma, scale=exp(mu))``.
    - ``"gamma"``: shape ``1/cv^2``, scale ``mean cv^2``.
    - ``"uniform"``: symmetric around ``mean`` on ``mean +- sqrt(3) cv mean``; requires
      ``cv <= 1/sqrt(3)`` so that times stay non-negative.
    - ``"deterministic"``: a point mass at ``mean`` (a frozen one-point
      ``scipy.stats.rv_discrete``; ``cv`` must be 0 or omitted).

    ``mean`` is in the caller's time unit; ``cv`` = std/mean (unitless) must be > 0
    for the lognormal, gamma and uniform kinds. Every returned object supports
    ``mean()``, ``std()``, ``cdf()``, ``sf()``, ``ppf()`` and ``rvs()``.

    Reference: moment parameterisations as in [Law] Ch. 6.
    """
    m = _rate("mean", mean)
    key = str(kind).strip().lower()
    if key == "exponential":
        if cv is not None and not math.isclose(float(cv), 1.0):
            raise ValueError(f"an exponential distribution has cv = 1, got cv={cv!r}")
        return stats.expon(scale=m)
    if key == "deterministic":
        if cv is not None and float(cv) != 0.0:
            raise ValueError(f"a deterministic time has cv = 0, got cv={cv!r}")
        return stats.rv_discrete(name="deterministic", values=([m], [1.0])).freeze()
    if key not in _KINDS:
        raise ValueError(f"unknown distribution kind {kind!r}; expected one of {_KINDS}")
    if cv is None:
        raise ValueError(f"cv is required for kind {key!r}")
    v = _rate("cv", cv)
    if key == "lognormal":
        s2 = math.log1p(v * v)
        return stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(m) - s2 / 2.0))
    if key == "gamma":
        return stats.gamma(a=1.0 / (v * v), scale=m * v * v)
    # uniform
    half = math.sqrt(3.0) * v * m
    if half > m:
        raise ValueError(f"uniform service time with cv={v:.4g} > 1/sqrt(3) would be negative")
    return stats.uniform(loc=m - half, scale=2.0 * half)


def _finite_support(dist: FrozenDistribution) -> tuple[np.ndarray, np.ndarray] | None:
    """Support points and probabilities of a frozen finite discrete distribution."""
    base = getattr(dist, "dist", None)
    xk = getattr(base, "xk", None)
    pk = getattr(base, "pk", None)
    if xk is None or pk is None or getattr(dist, "args", None) or getattr(dist, "kwds", None):
        return None
    return np.asarray(xk, dtype=float), np.asarray(pk, dtype=float)


def expected_max(dist: FrozenDistribution, k: int) -> float:
    """E[max(S_1, ..., S_k)] for k iid copies of a non-negative random variable.

    ``dist`` is a frozen ``scipy.stats`` distribution with support in ``[0, inf)``.
    For continuous distributions this evaluates
    ``E[max] = integral_0^inf (1 - F(x)^k) dx`` with ``scipy.integrate.quad``, written
    as ``-expm1(k log1p(-sf(x)))`` for accuracy in the upper tail and split at
    quantiles so mass far from 0 is not missed (relative error ~1e-10). Degenerate
    (zero-variance) and finite discrete distributions (e.g. the ``"deterministic"``
    kind of :func:`service_distribution`) are handled exactly by summation. Result is
    in the unit of ``dist``.

    Reference: [David] (moments of order statistics; E[X] = int_0^inf (1 - F) dx).
    """
    k = _integer("k", k, 1)
    lo, hi = (float(x) for x in dist.support())
    if lo < 0.0:
        raise ValueError(f"expected_max needs a non-negative distribution, support {lo, hi}")
    if k == 1:
        return float(dist.mean())
    if float(dist.std()) == 0.0:
        return float(dist.mean())
    finite = _finite_support(dist)
    if finite is not None:
        xk, pk = finite
        order = np.argsort(xk)
        xk, cdf = xk[order], np.cumsum(pk[order])
        cdf /= cdf[-1]
        prev = np.concatenate(([0.0], cdf[:-1]))
        return float(np.sum(xk * (cdf**k - prev**k)))

    def tail(x: float) -> float:
        surv = float(dist.sf(x))
        return 1.0 if surv >= 1.0 else -math.expm1(k * math.log1p(-surv))

    # Break points at quantiles: the integrand is ~1 below the low ones and decays above.
    qs = dist.ppf([1e-6, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999999])
    knots = np.unique(np.clip(np.concatenate(([lo], qs)), lo, hi))
    upper = knots[-1]
    total = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        total += integrate.quad(tail, a, b, epsabs=0.0, epsrel=1e-11, limit=200)[0]
    if math.isfinite(hi) and upper >= hi:
        return lo + total
    total += integrate.quad(tail, upper, np.inf, epsabs=1e-14, epsrel=1e-11, limit=200)[0]
    return lo + total


def stacked_lane_capacity(dist: FrozenDistribution, k: int = 2) -> float:
    """Saturated throughput of one lane with ``k`` stacked booths (vehicles per unit time).

    Under saturation a batch of ``k`` vehicles enters the ``k`` booths together and,
    since vehicles cannot pass, the lane is free again only when the slowest of the
    ``k`` is done: capacity ``k / E[max(S_1..S_k)]`` versus ``1/E[S]`` for a single
    booth. ``dist`` is the frozen service-time distribution (see
    :func:`service_distribution`); the result is in 1 / (unit of ``dist``).

    Reference: renewal-reward argument with cycle length max(S_1..S_k); [David] for
    E[max].
    """
    return _integer("k", k, 1) / expected_max(dist, k)


def stacked_efficiency(dist: FrozenDistribution, k: int = 2) -> float:
    """How many single-booth lanes one ``k``-stacked lane is worth at saturation.

    ``k E[S] / E[max(S_1..S_k)]``, between 1 and ``k``: equal to ``k`` for deterministic
    service; for exponential service E[max] = (1 + 1/2 + ... + 1/k) E[S], so the
    efficiency is ``2 / 1.5 = 4/3`` for ``k = 2`` and ``3 / (11/6) = 18/11`` for ``k = 3``.

    Reference: see :func:`stacked_lane_capacity`.
    """
    return stacked_lane_capacity(dist, k) * float(dist.mean())


def stacked_utilization(dist: FrozenDistribution, k: int = 2) -> float:
    """Share of staffed booth time that is occupied in a saturated ``k``-stacked lane.

    A batch of ``k`` vehicles enters together; the vehicle in booth ``j`` (0 = front) can
    leave only when it and every vehicle in front of it are done, so it holds its booth
    for ``max(S_1..S_{j+1})`` (inspecting, then blocked), and the cycle lasts
    ``max(S_1..S_k)``. Utilisation is therefore
    ``sum_{j=1..k} E[max(S_1..S_j)] / (k E[max(S_1..S_k)])``: 1 for constant times,
    ``(1 + 3/2) / 3 = 5/6`` for two booths with exponential times. By Little's law applied
    to the booths, it equals throughput times the mean time a vehicle holds a booth,
    divided by ``k``.

    Reference: renewal-reward argument as in :func:`stacked_lane_capacity`; [David] for
    E[max].
    """
    k = _integer("k", k, 1)
    held = sum(expected_max(dist, j) for j in range(1, k + 1))
    return held / (k * expected_max(dist, k))


# --------------------------------------------------------------------------- transient


@dataclass(frozen=True)
class TransientResult:
    """Output of :func:`transient_mmc` (times in the caller's unit).

    Attributes:
        times: evaluation times, from 0 to ``len(arrival_rates) * period``.
        queue_mean: E[number waiting (not in service)] at each time.
        system_mean: E[number in system] at each time.
        p_wait: P(N >= c), the probability that an arrival at that time would wait.
        p_truncation: probability mass at the truncation level ``n_max`` at each time.
        period_queue_mean: time average of ``queue_mean`` over each period.
        period_system_mean: time average of ``system_mean`` over each period.
        period_p_wait: time average of ``p_wait`` over each period (by PASTA, the
            fraction of that period's arrivals that wait).
        final_distribution: state probabilities P(N = n), n = 0..n_max, at the end.
        n_max: truncation level used.

    At a period boundary the values use the *new* period's number of servers.
    """

    times: np.ndarray
    queue_mean: np.ndarray
    system_mean: np.ndarray
    p_wait: np.ndarray
    p_truncation: np.ndarray
    period_queue_mean: np.ndarray
    period_system_mean: np.ndarray
    period_p_wait: np.ndarray
    final_distribution: np.ndarray
    n_max: int


def _generator(lam: float, c: int, mu: float, n_max: int) -> sp.csc_matrix:
    """Forward-equation matrix of the truncated birth-death chain, plus 3 accumulators.

    State vector ``y = (p_0..p_nmax, I_q, I_L, I_w)`` with ``dp/dt = Q^T p`` and
    ``dI/dt`` = current E[(N-c)^+], E[N], P(N >= c).
    """
    n = np.arange(n_max + 1, dtype=float)
    birth = np.where(n < n_max, lam, 0.0)
    death = np.minimum(n, c) * mu
    q = sp.diags([birth[:-1], -(birth + death), death[1:]], offsets=[-1, 0, 1], format="csr")
    weights = sp.csr_matrix(np.vstack([np.maximum(n - c, 0.0), n, (n >= c).astype(float)]))
    return sp.bmat([[q, None], [weights, sp.csr_matrix((3, 3))]], format="csc")


def _initial_vector(initial: int | Sequence[float] | None) -> np.ndarray:
    if initial is None:
        return np.array([1.0])
    arr = np.asarray(initial, dtype=float)
    if arr.ndim == 0:
        # a scalar: a number in system (_integer rejects what is not integral)
        n0 = _integer("initial number in system", cast(int, initial), 0)
        p = np.zeros(n0 + 1)
        p[n0] = 1.0
        return p
    if arr.ndim != 1 or arr.size == 0 or np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise ValueError("initial must be None, a number in system, or a probability vector")
    if not math.isclose(float(arr.sum()), 1.0, rel_tol=0.0, abs_tol=1e-9):
        raise ValueError(f"initial probabilities must sum to 1, got {arr.sum():.12g}")
    nz = np.nonzero(arr)[0]
    return arr[: nz[-1] + 1] / arr.sum()


def _guess_n_max(
    lams: np.ndarray, cs: np.ndarray, mu: float, period: float, p0: np.ndarray, tol: float
) -> tuple[int, int]:
    """Heuristic truncation level and a hard upper bound for it.

    The hard bound uses N(t) <= N(0) + A(t) with A(t) Poisson: a level the mass cannot
    reach with probability above ``tol``. The heuristic combines the fluid queue
    (overloaded periods) with the geometric M/M/c tail (stable periods).
    """
    n0 = p0.size - 1
    hard = n0 + int(stats.poisson.isf(tol * 1e-3, max(float(np.sum(lams)) * period, 1e-12))) + 2
    level = float(np.dot(np.arange(p0.size), p0))
    peak = level
    tail = 0.0
    for lam, c in zip(lams, cs, strict=True):
        cap = c * mu
        if c > 0 and lam < cap:
            rho = lam / cap
            tail = max(tail, c + (math.log(tol) / math.log(rho) if rho > 0 else 0.0))
        level = max(level + (lam - cap) * period, 0.0)
        peak = max(peak, level + c)
    guess = max(peak, tail, float(n0))
    guess += 8.0 * math.sqrt(guess + 1.0) + 10.0
    return max(min(math.ceil(guess), hard), n0, 1), max(hard, n0, 1)


def _solve_periods(
    lams: np.ndarray,
    cs: np.ndarray,
    mu: float,
    period: float,
    n_max: int,
    m: int,
    p0: np.ndarray,
    method: str,
    rtol: float,
    atol: float,
) -> TransientResult:
    n_periods = lams.size
    n = np.arange(n_max + 1, dtype=float)
    p = np.zeros(n_max + 1)
    p[: p0.size] = p0
    local = np.linspace(0.0, period, m + 1)
    times, q_mean, l_mean, p_wait, p_trunc = [], [], [], [], []
    per_q = np.empty(n_periods)
    per_l = np.empty(n_periods)
    per_w = np.empty(n_periods)
    for i, (lam, c) in enumerate(zip(lams, cs, strict=True)):
        g = _generator(float(lam), int(c), mu, n_max)
        y0 = np.concatenate([p, np.zeros(3)])
        if method in ("BDF", "Radau"):
            jac = g
        elif method == "LSODA":  # needs a callable returning a dense matrix
            dense = g.toarray()
            jac = lambda _t, _y, d=dense: d  # noqa: E731
        else:  # explicit methods take no Jacobian
            jac = None
        sol = integrate.solve_ivp(
            lambda _t, y, g=g: g @ y,
            (0.0, period),
            y0,
            method=method,
            t_eval=local,
            rtol=rtol,
            atol=atol,
            **({} if jac is None else {"jac": jac}),
        )
        if not sol.success:
            raise RuntimeError(f"ODE solver failed in period {i}: {sol.message}")
        probs = sol.y[: n_max + 1]
        keep = slice(None) if i == n_periods - 1 else slice(0, m)
        pk = probs[:, keep]
        times.append(i * period + local[keep])
        q_mean.append(np.maximum(n - c, 0.0) @ pk)
        l_mean.append(n @ pk)
        p_wait.append(pk[int(c) :].sum(axis=0))  # empty slice (0) if c > n_max
        p_trunc.append(pk[n_max])
        per_q[i], per_l[i], per_w[i] = sol.y[n_max + 1 :, -1] / period
        p = probs[:, -1]
    return TransientResult(
        times=np.concatenate(times),
        queue_mean=np.concatenate(q_mean),
        system_mean=np.concatenate(l_mean),
        p_wait=np.concatenate(p_wait),
        p_truncation=np.concatenate(p_trunc),
        period_queue_mean=per_q,
        period_system_mean=per_l,
        period_p_wait=per_w,
        final_distribution=p,
        n_max=n_max,
    )


def transient_mmc(
    arrival_rates: Sequence[float],
    servers: Sequence[int],
    service_rate: float,
    period: float = 1.0,
    n_max: int | None = None,
    t_points_per_period: int = 60,
    initial: int | Sequence[float] | None = None,
    *,
    truncation_tol: float = 1e-9,
    method: str = "BDF",
    rtol: float = 1e-6,
    atol: float = 1e-12,
) -> TransientResult:
    """Time-dependent M(t)/M/c(t) queue by numerically solving the forward equations.

    Model: in period ``i`` (of length ``period``) customers arrive as a Poisson process
    with rate ``arrival_rates[i]`` and ``servers[i]`` exponential servers of rate
    ``service_rate`` each serve them FCFS. The state is the number in system N,
    truncated at ``n_max`` (arrivals blocked there), so the Kolmogorov forward equations
    of the birth-death chain (birth ``lambda(t)``, death ``min(n, c(t)) mu``) are a
    linear ODE with a tridiagonal matrix. It is integrated with
    ``scipy.integrate.solve_ivp`` (stiff method, sparse constant Jacobian), restarting at
    every period boundary because the rates jump there. No stability condition is
    needed (finite horizon); zero arrival rates and zero servers (closed) are allowed.

    Args:
        arrival_rates: arrival rate in each period, per unit time (e.g. 24 hourly values
            in vehicles per hour).
        servers: number of open servers in each period (integers >= 0), same length.
        service_rate: mu, services per unit time per server.
        period: length of one period, in the same time unit (1.0 for hourly values
            with hourly rates).
        n_max: truncation level; chosen automatically if None (see below).
        t_points_per_period: equally spaced output points per period.
        initial: None (start empty), a number in system, or a probability vector over
            0, 1, 2, ....
        truncation_tol: largest acceptable probability mass at ``n_max``.
        method: ``solve_ivp`` method; "BDF" (default) or "Radau" use the sparse
            Jacobian, "LSODA" a dense one (slower for large ``n_max``).
        rtol, atol: solver tolerances.

    Accuracy: the time-dependent outputs are the ODE solution at the output points
    (relative error ~``rtol``). The period averages are *not* computed from those
    points: the integrals of E[(N - c)^+], E[N] and P(N >= c) are carried as extra ODE
    states, so they are accurate to the solver tolerance (relative ~1e-6 with the
    defaults) whatever ``t_points_per_period``. Total probability is conserved to
    rounding error because the scheme is linear and the generator's columns sum to 0.

    Truncation: with ``n_max=None`` a level is chosen from the fluid queue (overloaded
    periods) and the geometric M/M/c tail (stable periods), then doubled until the mass
    at ``n_max`` stays below ``truncation_tol`` at all output times; it never exceeds
    the level that the initial customers plus all Poisson arrivals reach with
    negligible probability. With a given ``n_max`` a ``RuntimeWarning`` is issued if
    the mass at ``n_max`` exceeds ``truncation_tol``.

    Modelling caveat: when the number of servers drops at a boundary, this chain cuts
    the service rate at once to ``min(n, c) mu``: customers in service at a closing
    server go back to the queue. A real lane that closes finishes its current vehicle
    first. If the queue is short at that moment (N <= new c) nobody is displaced, but
    the closing lane still adds capacity while it finishes its vehicle (a newcomer can
    find a free booth among the remaining ones sooner), so the chain slightly
    overstates the queue in that hour; otherwise the chain has up to (old c - new c)
    fewer busy servers than the real lane for a residual service time (mean 1/mu, by
    memorylessness of exponential service), so it overstates the number waiting by at
    most the number displaced. Both effects fade after about one service time.

    Reference: [GSTH] Ch. 2 (birth-death processes, transient behaviour) and Ch. 8
    (numerical techniques); [GKW07] (numerical solution of M(t)/M/s(t) used as the
    benchmark for stationary approximations).
    """
    lams = np.asarray(arrival_rates, dtype=float)
    if lams.ndim != 1 or lams.size == 0:
        raise ValueError("arrival_rates must be a non-empty 1-D sequence")
    for x in lams:
        _rate("arrival rate", x, allow_zero=True)
    if len(servers) != lams.size:
        raise ValueError(
            f"arrival_rates and servers must have equal length, got {lams.size} and {len(servers)}"
        )
    cs = np.array([_servers(c, allow_zero=True) for c in servers], dtype=int)
    mu = _rate("service_rate", service_rate)
    period = _rate("period", period)
    m = _integer("t_points_per_period", t_points_per_period, 1)
    tol = float(truncation_tol)
    if not 0.0 < tol < 1.0:
        raise ValueError(f"truncation_tol must be in (0, 1), got {truncation_tol!r}")
    p0 = _initial_vector(initial)

    args = (lams, cs, mu, period)
    if n_max is not None:
        nm = _integer("n_max", n_max, 1)
        if p0.size - 1 > nm:
            raise ValueError(f"initial state exceeds n_max = {nm}")
        res = _solve_periods(*args, nm, m, p0, method, rtol, atol)
        worst = float(np.max(res.p_truncation))
        if worst > tol:
            warnings.warn(
                f"probability mass at n_max = {nm} reaches {worst:.3g} > {tol:.3g}; increase n_max",
                RuntimeWarning,
                stacklevel=2,
            )
        return res

    nm, hard = _guess_n_max(*args, p0, tol)
    while True:
        res = _solve_periods(*args, nm, m, p0, method, rtol, atol)
        worst = float(np.max(res.p_truncation))
        if worst <= tol:
            return res
        if nm >= hard:
            warnings.warn(
                f"probability mass at n_max = {nm} is {worst:.3g} > {tol:.3g} even at the "
                "arrival-count bound; results may be inaccurate",
                RuntimeWarning,
                stacklevel=2,
            )
            return res
        nm = min(2 * nm, hard)


# --------------------------------------------------------------------------- tandem, finite storage


@dataclass(frozen=True)
class TandemResult:
    """Steady state of :func:`tandem_blocking` (times in the caller's unit).

    Attributes:
        throughput: departures per unit time from the second station (= the arrival rate,
            up to the truncation).
        first_mean: E[number at the first station]: waiting, in service, or blocked.
        second_mean: E[number at the second station]: in its storage or in service.
        first_wait: mean wait in the first station's queue (before its service starts).
        second_wait: mean wait in the storage before the second station's service (from the
            end of the first service, blocked time included).
        p_blocked: probability that the first server holds a finished customer (blocked).
        p_storage_full: probability that the storage is full.
        p_truncation: probability mass at the first station's truncation level.
        distribution: P(n1, n2, blocked) as an array indexed ``[n1, n2, b]``.
    """

    throughput: float
    first_mean: float
    second_mean: float
    first_wait: float
    second_wait: float
    p_blocked: float
    p_storage_full: float
    p_truncation: float
    distribution: np.ndarray


def tandem_blocking(
    arrival_rate: float,
    first_rate: float,
    second_rate: float,
    storage: int,
    n_max: int | None = None,
    truncation_tol: float = 1e-10,
) -> TandemResult:
    """Two single-server stations in series with ``storage`` places between them, blocking
    after service: the exact continuous-time Markov chain, solved for its steady state.

    Model: Poisson arrivals (rate ``arrival_rate``) join an unlimited queue at the first
    station; exponential services (rates ``first_rate``, ``second_rate``); between the stations
    at most ``storage`` customers wait for the second server. A customer who finishes at the
    first station when the storage is full (and the second server busy) stays in the first
    server, which is blocked until a place frees; then it moves at once. The state is
    ``(n1, n2, b)``: customers at the first station (waiting, in service or blocked), at the
    second (stored or in service, at most ``storage + 1``), and whether the first server is
    blocked. The first station's queue is truncated at ``n_max`` (arrivals lost there;
    chosen from the first station's M/M/1 tail when None, then doubled until the mass at the
    truncation is below ``truncation_tol``). Needs ``arrival_rate`` below both service
    rates, and ``storage >= 0`` (0: no place between the stations).

    Waits follow from Little's law. ``second_wait`` counts from the end of the first service,
    so it includes the time blocked in the first server.

    Reference: [Perros] Ch. 2 (two-station tandem with blocking after service); the chain is
    solved here by sparse linear algebra rather than by its matrix-geometric form.
    """
    lam = _rate("arrival_rate", arrival_rate)
    mu1 = _rate("first_rate", first_rate)
    mu2 = _rate("second_rate", second_rate)
    s = _integer("storage", storage, 0)
    capacity = tandem_capacity(mu1, mu2, s)
    if lam >= capacity:
        raise ValueError(
            f"unstable: arrival rate {lam:.6g} is not below the tandem's capacity "
            f"{capacity:.6g} (services {mu1:.6g} and {mu2:.6g}, storage {s})"
        )
    n2_max = s + 1
    level = n_max
    if level is None:
        # the first station alone is M/M/1 at load lam/mu1; blocking makes it busier, so
        # start from the tail of the slower of the two and double while the mass is large
        rho = lam / capacity
        level = max(20, int(math.log(truncation_tol) / math.log(rho)) + 10)
    while True:
        result = _tandem_at(lam, mu1, mu2, n2_max, level)
        if n_max is not None or result.p_truncation <= truncation_tol:
            return result
        if level > MAX_TANDEM_LEVEL:
            raise ValueError(
                f"the first queue needs more than {MAX_TANDEM_LEVEL} places to hold the mass "
                f"above {truncation_tol:g}: the load {lam / capacity:.4f} is too close to 1"
            )
        level *= 2


MAX_TANDEM_LEVEL = 20_000
"""Largest truncation of the first queue :func:`tandem_blocking` tries."""


def tandem_capacity(first_rate: float, second_rate: float, storage: int) -> float:
    """Throughput of the two stations of :func:`tandem_blocking` with the first never idle:
    the most the tandem can serve. With the first server always busy, the customers beyond
    the first queue (stored, in the second server, or blocked) are a birth-death chain on
    ``0 .. storage + 2`` with births ``first_rate`` and deaths ``second_rate``."""
    mu1 = _rate("first_rate", first_rate)
    mu2 = _rate("second_rate", second_rate)
    s = _integer("storage", storage, 0)
    weights = (mu1 / mu2) ** np.arange(s + 3)
    return mu2 * (1.0 - 1.0 / float(weights.sum()))


def _tandem_at(lam: float, mu1: float, mu2: float, n2_max: int, n1_max: int) -> TandemResult:
    states = [
        (n1, n2, b)
        for n1 in range(n1_max + 1)
        for n2 in range(n2_max + 1)
        for b in (0, 1)
        if not b or (n1 >= 1 and n2 == n2_max)
    ]
    index = {state: i for i, state in enumerate(states)}
    rows: list[int] = []
    cols: list[int] = []
    rates: list[float] = []

    def move(src: tuple[int, int, int], dst: tuple[int, int, int], rate: float) -> None:
        rows.append(index[src])
        cols.append(index[dst])
        rates.append(rate)

    for state in states:
        n1, n2, b = state
        if n1 < n1_max:
            move(state, (n1 + 1, n2, b), lam)
        if n1 >= 1 and not b:  # the first server finishes
            if n2 < n2_max:
                move(state, (n1 - 1, n2 + 1, 0), mu1)
            else:
                move(state, (n1, n2, 1), mu1)
        if n2 >= 1:  # the second server finishes; a blocked customer moves into the place
            if b:
                move(state, (n1 - 1, n2, 0), mu2)
            else:
                move(state, (n1, n2 - 1, 0), mu2)
    size = len(states)
    q = sp.csr_matrix((rates, (rows, cols)), shape=(size, size))
    q = q - sp.diags(np.asarray(q.sum(axis=1)).ravel())
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation
    a = q.T.tolil()
    a[0, :] = np.ones(size)
    rhs = np.zeros(size)
    rhs[0] = 1.0
    pi = spsolve(a.tocsc(), rhs)
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum()
    dist = np.zeros((n1_max + 1, n2_max + 1, 2))
    for (n1, n2, b), p in zip(states, pi, strict=True):
        dist[n1, n2, b] = p
    n1s = np.arange(n1_max + 1)[:, None, None]
    n2s = np.arange(n2_max + 1)[None, :, None]
    bs = np.arange(2)[None, None, :]
    throughput = mu2 * float(dist[:, 1:, :].sum())
    first_mean = float((dist * n1s).sum())
    second_mean = float((dist * n2s).sum())
    # in the first queue: all but the one in service (or blocked) at the first server
    first_queue = float((dist * np.maximum(n1s - 1, 0)).sum())
    # between the stations: stored customers (n2 - 1 when the second server is busy) and
    # the blocked one
    second_queue = float((dist * (np.maximum(n2s - 1, 0) + bs)).sum())
    return TandemResult(
        throughput=throughput,
        first_mean=first_mean,
        second_mean=second_mean,
        first_wait=first_queue / throughput,
        second_wait=second_queue / throughput,
        p_blocked=float(dist[:, :, 1].sum()),
        p_storage_full=float(dist[:, n2_max, :].sum()),
        p_truncation=float(dist[n1_max].sum()),
        distribution=dist,
    )
