"""The legal rules of the service, as pure functions and frozen values.

No Flask, no SQLAlchemy, no clock: "now" is always passed in. Modules:

* ``territories``: legal time zones and public holidays of each territory;
* ``delays``: ISO 8601 durations, closure delay, retention;
* ``deadlines``: notification date (R. 223-3-1 III) and appeal deadline (CJA);
* ``routing``: which channel notifies a decision (R. 223-3 III, R. 223-3-1, R. 223-4);
* ``points``: points arithmetic checks (L. 223-1, L. 223-2, L. 223-6);
* ``restoration``: when points should come back, with the rule and its condition;
* ``window``: the plausible dates of a decision (points licence in force 1 July 1992,
  not in the future in the territory furthest ahead);
* ``policies``: the named, versioned choices made where the law is silent.
"""
