"""answer: the report's Answer, written after the tribunal: a bottom line, then each facet, every sentence citing
its claims and checked against their quotes before it is shown."""
