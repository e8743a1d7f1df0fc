"""Leaders' summary reports: one report for a year and an org unit (optionally
one sector), read from the Aggregate table only, rendered as PDF (official
layout of Decree 30/2020), DOCX (editable) or XLSX (the summary table).

selectors -> ReportData -> summary (paragraph) + charts -> pdf / docx / xlsx;
services stores the files and reuses them while the data is unchanged."""
