"""Accountability above the community.

- Department assessment (部门考核, ``service.py``): how each functional department answered the
  whistle (吹哨报到) — whistles received, time to report, on-time rate, report-backs the
  committee accepted or returned, residents' satisfaction on the cases it handled — and the
  quarterly grade each street gives each department it worked with; exported for the annual
  assessment.
- 包保买单 (``guarantors.py``): the unit and leader that answer for a community, told of its red
  lights, and what each answered for.
- The weekly meeting pack of each street (每周会商, ``meeting.py``).
"""
