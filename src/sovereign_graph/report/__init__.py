"""The report: its model built from the state (`model`), rendered as markdown (`markdown`) and JSON
(`json_export`), and written to files (`files`)."""
