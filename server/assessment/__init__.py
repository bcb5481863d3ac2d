"""Department assessment (部门考核): how each functional department answered the whistle
(吹哨报到) — whistles received, time to report, on-time rate, report-backs the committee accepted
or returned, residents' satisfaction on the cases it handled — and the quarterly grade each
street gives each department it worked with. Read by streets and the county; exported for the
annual assessment."""
