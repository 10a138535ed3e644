"""A research question as typed facets: `grammar` splits it, `lexicon` holds the grammar's word lists,
`coverage` measures how much of each facet a sentence addresses."""
