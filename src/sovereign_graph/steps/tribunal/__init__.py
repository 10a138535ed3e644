"""tribunal: the round's reviews aggregated into one score; below the revise threshold, a revision round."""
