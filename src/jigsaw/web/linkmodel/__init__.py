"""An area's own linkage model: retrained on its records on the administrator's schedule, shown
with its date, the records it learnt from and what training did."""
